import { execFile } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** Debian's `chromium` (apt-get install chromium), or ENFORCE_CHROMIUM. Undefined when neither exists. */
export function findChromium(): string | undefined {
  const candidates = process.env.ENFORCE_CHROMIUM
    ? [process.env.ENFORCE_CHROMIUM]
    : ['chromium', 'chromium-browser'];
  for (const name of candidates) {
    const dirs = name.includes('/') ? [''] : (process.env.PATH ?? '').split(delimiter).filter(Boolean);
    for (const dir of dirs) {
      const path = dir ? join(dir, name) : name;
      try {
        accessSync(path, constants.X_OK);
        return path;
      } catch {}
    }
  }
  return undefined;
}

/**
 * Runs headless Chromium once with a throwaway profile and no network: every request would go to a
 * proxy on a closed loopback port, so a page that needed anything from elsewhere would show it.
 */
export async function runChromium(binary: string, args: string[]): Promise<string> {
  const profile = mkdtempSync(join(tmpdir(), 'enforce-chromium-'));
  try {
    return await new Promise((resolve, reject) => {
      execFile(
        binary,
        [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--proxy-server=127.0.0.1:9',
          `--user-data-dir=${profile}`,
          ...args,
        ],
        { timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
        (error, stdout, stderr) =>
          error ? reject(new Error(`chromium failed: ${error.message}\n${stderr}`)) : resolve(stdout),
      );
    });
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}
