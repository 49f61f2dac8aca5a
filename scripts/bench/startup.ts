/**
 * `npm run bench:startup`: the CPU cost of starting the CLI, against a bare `node -e ''` on the same machine.
 *
 * The figure is the kernel's own accounting of finished children (cutime + cstime in /proc/self/stat, so
 * Linux only): whole processes, nothing preloaded into them. Its unit is a clock tick (usually 10 ms), so a
 * sample is a batch of runs and the figure is per run. Batches of the two commands alternate, A B A B …,
 * after a warm-up, and the ratio is taken pair by pair, so a machine whose speed drifts still gives a fair
 * comparison. Target: `enforce --help` ≤ about 3× `node -e ''`.
 *
 *   tsx scripts/bench/startup.ts [--samples 10] [--batch 5]
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const CLI = process.env.ENFORCE_BENCH_CLI || fileURLToPath(new URL('../../dist/cli/bin.js', import.meta.url));
const REPO = fileURLToPath(new URL('../..', import.meta.url));
const TARGET_RATIO = 3;
/** USER_HZ: 100 on every Linux architecture Node supports. */
const TICKS_PER_SECOND = 100;

function flag(name: string, fallback: number, max: number): number {
  const at = process.argv.indexOf(name);
  const value = at > 0 ? Number(process.argv[at + 1]) : fallback;
  return Number.isInteger(value) && value >= 1 ? Math.min(value, max) : fallback;
}
const SAMPLES = flag('--samples', 10, 100);
const BATCH = flag('--batch', 5, 50);

const BASELINE = { name: "node -e ''", args: ['-e', ''] };
const SUBJECTS = [
  { name: 'enforce --help', args: [CLI, '--help'] },
  { name: 'enforce --version', args: [CLI, '--version'] },
  { name: 'enforce validate', args: [CLI, 'validate', '--policy', 'policy/contacts.yaml'] },
];

/** CPU seconds of every reaped child so far (fields 16 and 17 of /proc/self/stat, after the command name). */
function childrenCpuTicks(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state): cutime is field 16, cstime field 17.
  return Number(fields[13]) + Number(fields[14]);
}

/** Mean CPU milliseconds of one run of `node ...args`, over a batch. */
function cpuMs(args: string[]): number {
  const before = childrenCpuTicks();
  for (let i = 0; i < BATCH; i++) {
    const result = spawnSync(process.execPath, args, { stdio: 'ignore', cwd: REPO, timeout: 30_000 });
    if (result.status !== 0)
      throw new Error(`node ${args.join(' ')}: exit ${result.status} ${result.error ?? ''}`);
  }
  return ((childrenCpuTicks() - before) * 1000) / TICKS_PER_SECOND / BATCH;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const fmt = (ms: number) => `${ms.toFixed(1)} ms`;

process.stdout.write(
  `node ${process.version}; ${SAMPLES} paired samples of ${BATCH} runs each after a warm-up; CPU per run = user + system\n\n`,
);
let allMet = true;
for (const subject of SUBJECTS) {
  cpuMs(BASELINE.args);
  cpuMs(subject.args);
  const base: number[] = [];
  const mine: number[] = [];
  const ratios: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const b = cpuMs(BASELINE.args);
    const m = cpuMs(subject.args);
    base.push(b);
    mine.push(m);
    ratios.push(m / Math.max(b, 1000 / TICKS_PER_SECOND / BATCH));
  }
  const ratio = median(ratios);
  const met = subject.name !== 'enforce --help' || ratio <= TARGET_RATIO;
  allMet &&= met;
  process.stdout.write(
    `${subject.name.padEnd(20)} median ${fmt(median(mine)).padStart(9)} (min ${fmt(Math.min(...mine))}, max ${fmt(Math.max(...mine))})\n` +
      `${BASELINE.name.padEnd(20)} median ${fmt(median(base)).padStart(9)} (min ${fmt(Math.min(...base))}, max ${fmt(Math.max(...base))})\n` +
      `${''.padEnd(20)} ratio  ${ratio.toFixed(2)}× (median of pairs, min ${Math.min(...ratios).toFixed(2)}, max ${Math.max(...ratios).toFixed(2)})` +
      `${subject.name === 'enforce --help' ? `  target ≤ ${TARGET_RATIO}×: ${met ? 'met' : 'NOT met'}` : ''}\n\n`,
  );
}
process.exitCode = allMet ? 0 : 1;
