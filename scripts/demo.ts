/**
 * `npm run demo`: the real CLI against a local AWS emulator, no AWS account needed.
 *
 * Starts moto's server on 127.0.0.1 with our AWS-faithful proxy in front of it (the management-account rule,
 * field validation and AWS's published quotas, which moto itself does not enforce), seeds an example
 * organization, then runs `enforce --dry-run`, `enforce --apply` and `enforce --dry-run` with the example
 * policy. The CLI is pointed at the emulator only through AWS_ENDPOINT_URL, as any SDK configuration.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { colorEnabled, createStyle } from '../src/render/style.js';
import { startAwsProxy } from '../test/support/aws-proxy.js';
import { isMotoAvailable, startMoto } from '../test/support/moto.js';
import { demoOrgSpec, fakeAwsEnv, seedOrganization, writeDemoPolicy } from '../test/support/seed.js';

const CLI = fileURLToPath(new URL('../dist/cli/bin.js', import.meta.url));

// The same rule as the CLI's: no escape codes into a pipe or with NO_COLOR.
const style = createStyle(
  colorEnabled({ stdoutIsTTY: process.stdout.isTTY === true, env: process.env, noColorFlag: false }),
);

/**
 * policy/contacts.yaml ships with example.com addresses and 555-01xx phones, which the lint rightly calls
 * placeholders; the demo runs the CLI three times, so the same warnings would be printed three times and a
 * first run would look broken. The demo organization and its policy copy use a reserved private-use
 * domain and Ofcom's drama range (+44 20 7946 0xxx, numbers kept for fiction) instead.
 */
const DEMO_DOMAIN = 'acme.internal';
const DEMO_PHONE_PREFIX = '+44 20 7946 01';

/** Swaps the domain in every address, keeping its letter case: the seeded "typed differently" contacts
 * (`SECURITY@EXAMPLE.COM`) must stay equal to the policy once normalised. */
function withDemoContacts<T>(value: T): T {
  const [label, tld] = DEMO_DOMAIN.split('.') as [string, string];
  const cased = (like: string, word: string) =>
    like === like.toUpperCase()
      ? word.toUpperCase()
      : like[0] === like[0]!.toUpperCase()
        ? word[0]!.toUpperCase() + word.slice(1)
        : word;
  const text = JSON.stringify(value)
    .replace(/@(example)\.(com)\b/gi, (_, a: string, b: string) => `@${cased(a, label)}.${cased(b, tld)}`)
    // Every spelling of +1 555 01xx (the seed types some differently) becomes the same drama-range number.
    .replace(
      /(?<!\d)\+?1?[\s.()-]*555[\s.()-]*01(\d\d)(?!\d)/g,
      (_, last: string) => `${DEMO_PHONE_PREFIX}${last}`,
    );
  return JSON.parse(text) as T;
}

// The demo's own SDK clients (seeding) would print the SDK's Node 22 notice, as the CLI would without bin.ts.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

function heading(text: string) {
  process.stdout.write(`\n${style.heading(`━━ ${text}`)}\n\n`);
}

function runCli(args: string[], env: Record<string, string>): Promise<number> {
  process.stdout.write(`${style.dim(`$ enforce ${args.join(' ')}`)}\n`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      stdio: 'inherit',
      env: { ...process.env, ...env },
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 130 : 1)));
  });
}

async function main(): Promise<number> {
  if (!isMotoAvailable()) {
    process.stderr.write(
      "The demo needs moto's AWS emulator, and `moto_server` is not on PATH.\n" +
        "Install it with:  pip install 'moto[server]'   (then run `npm run demo` again)\n",
    );
    return 1;
  }
  const workdir = mkdtempSync(join(tmpdir(), 'enforce-demo-'));
  const moto = await startMoto();
  const stops: (() => Promise<void>)[] = [() => moto.stop()];
  const cleanup = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    rmSync(workdir, { recursive: true, force: true });
  };
  const onSignal = () => {
    process.stderr.write('\ninterrupted: stopping the emulator\n');
    void cleanup().then(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    heading('Seeding an example organization in the emulator');
    const seeded = await seedOrganization(moto.endpoint, withDemoContacts(demoOrgSpec()));
    const proxy = await startAwsProxy({
      target: moto.endpoint,
      managementAccountId: seeded.managementAccountId,
      validate: true,
      throttle: { enabled: true, timeScale: 1 },
    });
    stops.push(() => proxy.stop());
    const policy = join(workdir, 'contacts.yaml');
    await writeDemoPolicy(seeded, policy);
    await writeFile(policy, withDemoContacts(await readFile(policy, 'utf8')));
    const accounts = Object.keys(seeded.accounts).length + 1;
    process.stdout.write(
      `organization ${seeded.organizationId}: ${accounts} accounts in nested OUs (Workloads → Prod, Dev, Payments),\n` +
        'some without a Security contact, some stale, some correct but typed differently, one SUSPENDED,\n' +
        'one tagged contact-policy=exempt; the operations email comes from an SSM SecureString.\n' +
        `policy: policy/contacts.yaml (with the seeded Payments OU id, @${DEMO_DOMAIN} addresses) → ${policy}\n`,
    );

    const env = fakeAwsEnv(proxy.endpoint);
    const log = ['--log-file', join(workdir, 'enforce-audit.ndjson'), '--policy', policy];

    heading('1. What differs from the policy (dry-run: nothing is written)');
    const first = await runCli(['--dry-run', '--detailed-exitcode', ...log], env);
    if (first !== 2) throw new Error(`expected drift (exit 2) from the first dry-run, got exit ${first}`);

    heading('2. Fix it');
    const applied = await runCli(['--apply', ...log], env);
    if (applied !== 0) throw new Error(`apply failed with exit ${applied}`);
    const stats = proxy.stats();
    process.stdout.write(
      `\nthe emulator received ${proxy.ledger.length} writes; ` +
        `${Object.values(stats).reduce((n, s) => n + s.throttled, 0)} requests were throttled at AWS's quotas and retried\n`,
    );

    heading('3. Check again');
    const last = await runCli(['--dry-run', '--detailed-exitcode', ...log], env);
    if (last !== 0) throw new Error(`expected no drift after the apply, got exit ${last}`);
    process.stdout.write(`\n${style.create('no drift')}: every managed contact now matches the policy.\n`);
    return 0;
  } finally {
    await cleanup();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
