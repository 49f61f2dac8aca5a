// Scenario 2: in-process overhead. the engine (plan + apply) over 10,000 in-memory accounts, each run in its
// own child process (scripts/bench/overhead-child.ts) so that its RSS is its own.

import { fileURLToPath } from 'node:url';
import { log, type Row, runChild, seconds } from './common.js';
import type { OverheadMode, OverheadResult } from './overhead-child.js';

const CHILD = fileURLToPath(new URL('./overhead-child.ts', import.meta.url));
const WALL_TARGET_MS = 5_000;
const RSS_TARGET_MB = 250;

async function runOnce(accounts: number, mode: OverheadMode): Promise<OverheadResult> {
  const result = await runChild(process.execPath, ['--import', 'tsx', CHILD, String(accounts), mode], {
    timeoutMs: 180_000,
  });
  const line = result.stdout.trim().split('\n').at(-1) ?? '';
  if (result.code !== 0 || !line.startsWith('{')) {
    throw new Error(`overhead child (${mode}) exited ${result.code}:\n${result.stderr.slice(-2000)}`);
  }
  return JSON.parse(line) as OverheadResult;
}

export interface OverheadReport {
  rows: Row[];
  details: string[];
}

export async function overheadScenario(accounts: number, cliBaselineRssMb: number): Promise<OverheadReport> {
  const rows: Row[] = [];
  const details: string[] = [];
  const scenario = `2. in-process, ${accounts.toLocaleString('en-US')} accounts`;
  const describe: Record<OverheadMode, string> = {
    mock: 'aws-sdk-client-mock (as the brief asks)',
    direct: '`send` replaced by a plain function (our code + pino only)',
    sdk: 'whole SDK stack, HTTP answered in memory (signing, serde, retry, our pacing)',
  };
  for (const mode of ['mock', 'direct', 'sdk'] as const) {
    log(`overhead: ${accounts} accounts, clients: ${mode}`);
    const r = await runOnce(accounts, mode);
    const cpuMs = r.cpuUserMs + r.cpuSystemMs;
    const perAccountMs = cpuMs / r.accounts;
    const ok = r.summary.failed === 0 && r.summary.applied === r.expectedWrites;
    details.push(
      `  ${mode.padEnd(6)} ${describe[mode]}:\n` +
        `         wall ${seconds(r.wallMs)} (engine ${seconds(r.runMs)}, JSON render ${seconds(r.renderMs)}), ` +
        `CPU ${seconds(cpuMs)} = ${perAccountMs.toFixed(3)} ms/account, ` +
        `RSS baseline ${r.baselineRssMb.toFixed(0)} MB → peak ${r.maxRssMb.toFixed(0)} MB (getrusage; ` +
        `10 ms sampler saw ${r.peakRssSampledMb.toFixed(0)} MB in ${r.samples} samples)\n` +
        `         ${r.summary.items} items: ${r.summary.create} create, ${r.summary.update} update, ` +
        `${r.summary.inSync} in sync; applied ${r.summary.applied}/${r.expectedWrites}, failed ${r.summary.failed}; ` +
        `${r.gets} Get + ${r.puts} Put answered`,
    );
    if (mode === 'mock') {
      rows.push(
        {
          scenario,
          figure: 'wall time, plan + apply (mocked clients)',
          value: seconds(r.wallMs),
          target: `< ${seconds(WALL_TARGET_MS)}`,
          met: r.wallMs < WALL_TARGET_MS && ok,
          ...(ok ? {} : { note: 'items failed or not applied' }),
        },
        {
          scenario,
          figure: 'CPU per account (mocked clients)',
          value: `${perAccountMs.toFixed(3)} ms`,
          target: '',
          met: null,
        },
        {
          scenario,
          figure: 'peak RSS of the child (mocked clients, tsx loader included)',
          value: `${r.maxRssMb.toFixed(0)} MB`,
          target: `< ${RSS_TARGET_MB} MB`,
          met: r.maxRssMb < RSS_TARGET_MB,
        },
        {
          scenario,
          figure: 'RSS growth during the run (peak − baseline)',
          value: `${(r.maxRssMb - r.baselineRssMb).toFixed(0)} MB`,
          target: '',
          met: null,
          note: `+ the CLI's own baseline ${cliBaselineRssMb.toFixed(0)} MB ≈ ${(cliBaselineRssMb + r.maxRssMb - r.baselineRssMb).toFixed(0)} MB for the CLI (projection)`,
        },
      );
    } else {
      rows.push({
        scenario,
        figure: `wall / CPU per account / peak RSS (${mode === 'direct' ? 'our code only' : 'whole SDK'})`,
        value: `${seconds(r.wallMs)} / ${perAccountMs.toFixed(3)} ms / ${r.maxRssMb.toFixed(0)} MB`,
        target: '',
        met: null,
      });
    }
  }
  return { rows, details };
}

/** Peak RSS of the built CLI doing nothing (`enforce --version`): what a run starts from. */
export async function cliBaselineRss(cli: string): Promise<number> {
  const result = await runChild('/usr/bin/time', ['-f', '%M', process.execPath, cli, '--version'], {
    timeoutMs: 30_000,
  });
  const kib = Number(result.stderr.trim().split('\n').at(-1));
  return Number.isFinite(kib) ? kib / 1024 : Number.NaN;
}
