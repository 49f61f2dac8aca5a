// Child process of the in-process overhead benchmark (scripts/bench/overhead.ts starts it, so that its RSS
// is its own): `node --import tsx overhead-child.ts <accounts> <mock|direct|sdk>` runs the engine (plan + apply)
// over an in-memory organization and prints one JSON line of measurements on stdout.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openChainedAuditFile } from '../../src/audit/chain.js';
import { systemClock } from '../../src/engine/clock.js';
import { renderJson } from '../../src/render/json.js';
import { runEngine } from '../../test/support/run-engine.js';
import {
  buildFakeOrg,
  directClients,
  expectedWrites,
  inMemoryHttpClients,
  mockedClients,
  OPERATIONS,
  SECURITY,
} from './fake-org.js';

export type OverheadMode = 'mock' | 'direct' | 'sdk';
const CLIENTS = { mock: mockedClients, direct: directClients, sdk: inMemoryHttpClients } as const;

export interface OverheadResult {
  accounts: number;
  mode: OverheadMode;
  wallMs: number;
  runMs: number;
  renderMs: number;
  cpuUserMs: number;
  cpuSystemMs: number;
  baselineRssMb: number;
  peakRssSampledMb: number;
  maxRssMb: number;
  samples: number;
  gets: number;
  puts: number;
  expectedWrites: number;
  summary: { items: number; create: number; update: number; inSync: number; failed: number; applied: number };
}

const contactYaml = (c: typeof SECURITY) =>
  [`    name: ${c.name}`, `    title: ${c.title}`, `    email: ${c.email}`, `    phone: "${c.phone}"`].join(
    '\n',
  );

// Limits far above what the in-memory organization can be asked for: the limiter never waits.
const POLICY = `version: 1
contacts:
  security:
${contactYaml(SECURITY)}
  operations:
${contactYaml(OPERATIONS)}
settings:
  rateLimits:
    getAlternateContact: { perSecond: 1000000, burst: 1000000 }
    putAlternateContact: { perSecond: 1000000, burst: 1000000 }
    organizations: { perSecond: 1000000, burst: 1000000 }
`;

async function main() {
  const accounts = Number(process.argv[2] ?? 10_000);
  const mode = (process.argv[3] ?? 'mock') as OverheadMode;
  if (!(mode in CLIENTS)) throw new Error(`mode must be one of ${Object.keys(CLIENTS).join(', ')}`);
  const dir = mkdtempSync(join(tmpdir(), 'enforce-bench-overhead-'));
  try {
    const policyFile = join(dir, 'contacts.yaml');
    writeFileSync(policyFile, POLICY, 'utf8');
    const org = buildFakeOrg(accounts);
    const clients = CLIENTS[mode](org);

    global.gc?.();
    const baselineRss = process.memoryUsage().rss;
    let peakRss = baselineRss;
    let samples = 0;
    const sampler = setInterval(() => {
      samples++;
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }, 10);

    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    // The engine as the CLI runs it (prepare, execute), with the real chained, synchronous audit file.
    const outcome = await runEngine(
      { mode: 'apply', policyFile, redact: false, toolVersion: 'bench' },
      { clients, clock: systemClock, destination: openChainedAuditFile(join(dir, 'audit.ndjson')) },
    );
    const t1 = performance.now();
    // The CLI's --output json: part of what a run costs.
    const rendered = renderJson(outcome.plan, outcome.redactor);
    const t2 = performance.now();
    const cpu = process.cpuUsage(cpu0);
    clearInterval(sampler);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    if (rendered.length === 0) throw new Error('empty JSON output');

    const mb = (bytes: number) => bytes / 1024 / 1024;
    const { summary } = outcome.plan;
    const result: OverheadResult = {
      accounts,
      mode,
      wallMs: t2 - t0,
      runMs: t1 - t0,
      renderMs: t2 - t1,
      cpuUserMs: cpu.user / 1000,
      cpuSystemMs: cpu.system / 1000,
      baselineRssMb: mb(baselineRss),
      peakRssSampledMb: mb(peakRss),
      // getrusage's ru_maxrss, in KiB: the true peak, including moments between samples.
      maxRssMb: process.resourceUsage().maxRSS / 1024,
      samples,
      gets: org.gets,
      puts: org.puts,
      expectedWrites: expectedWrites(accounts),
      summary: {
        items: summary.items,
        create: summary.create,
        update: summary.update,
        inSync: summary.inSync,
        failed: summary.failed,
        applied: summary.applied,
      },
    };
    for (const client of Object.values(clients)) client.destroy();
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `overhead child failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
