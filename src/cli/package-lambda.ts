import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { zipSync } from 'fflate';
import { EnforceError } from '../errors.js';
import { readPolicy } from '../policy/load.js';
import type { Io } from './io.js';
import { TOOL_VERSION } from './version.js';

export interface PackageLambdaOptions {
  /** The reviewed policy to ship with the function. */
  policy: string;
  /** Where to write the zip. */
  out: string;
}

/** Names inside the zip: the template's `Handler: handler.handler` and the handler's default policy path. */
export const BUNDLE_FILE = 'handler.mjs';
export const POLICY_FILE = 'contacts.yaml';

/** Oldest Node the bundle must run on: Lambda's runtime is 22, but the tests here run it on 20. */
const TARGET = 'node20';

/**
 * esbuild's ESM output cannot `require()` Node built-ins from the CommonJS packages it bundles (pino,
 * the SDK's dependencies) without a real `require`; this gives the bundle one.
 */
const REQUIRE_SHIM =
  "import { createRequire as __enforceCreateRequire } from 'node:module';\nconst require = __enforceCreateRequire(import.meta.url);";

/** A fixed timestamp, so the same code and policy give the same zip. */
const ZIP_MTIME = new Date('2020-01-01T00:00:00Z');

/**
 * Bundles the Lambda handler with every dependency into one ES module and zips it with the policy: the
 * zip runs on a plain Node runtime with no node_modules. The policy is validated first (PolicyError).
 */
export async function packageLambda(options: PackageLambdaOptions): Promise<{ out: string; bytes: number }> {
  await readPolicy(options.policy);
  const policy = await readFile(options.policy);
  let bundle: Uint8Array;
  try {
    const result = await build({
      entryPoints: [handlerEntry()],
      bundle: true,
      platform: 'node',
      target: TARGET,
      format: 'esm',
      write: false,
      banner: { js: REQUIRE_SHIM },
      define: { 'process.env.ENFORCE_TOOL_VERSION': JSON.stringify(TOOL_VERSION) },
      legalComments: 'none',
      logLevel: 'silent',
    });
    bundle = result.outputFiles[0]!.contents;
  } catch (error) {
    throw new EnforceError(`package-lambda: bundling the handler failed: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const zip = zipSync(
    { [BUNDLE_FILE]: [bundle, { mtime: ZIP_MTIME }], [POLICY_FILE]: [policy, { mtime: ZIP_MTIME }] },
    { level: 9 },
  );
  try {
    await writeFile(options.out, zip);
  } catch (error) {
    throw new EnforceError(`package-lambda: cannot write ${options.out}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return { out: options.out, bytes: zip.byteLength };
}

/** The built handler next to this file (dist/lambda), or the source when run from src with tsx. */
function handlerEntry(): string {
  for (const name of ['../lambda/handler.js', '../lambda/handler.ts']) {
    const file = fileURLToPath(new URL(name, import.meta.url));
    if (existsSync(file)) return file;
  }
  throw new EnforceError(
    'package-lambda: the Lambda handler is missing from this installation (run npm run build)',
  );
}

export async function packageLambdaCommand(options: PackageLambdaOptions, io: Io): Promise<number> {
  const { out, bytes } = await packageLambda(options);
  io.stdout(
    `wrote ${out} (${bytes} bytes): ${BUNDLE_FILE} and the policy ${options.policy} as ${POLICY_FILE}\n`,
  );
  return 0;
}
