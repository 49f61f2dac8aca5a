import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { MemberRoleSettings } from '../core/policy.js';
import type { RunReport } from '../core/types.js';
import type { FromState } from '../engine/from-state.js';
import type { PreparedRun } from '../engine/prepare.js';
import type { RunResult } from '../engine/run.js';
import { createObservationRecorder, type ObservationRecorder } from '../engine/state-out.js';
import { UsageError } from '../errors.js';
import type { Snapshot } from '../state/snapshot.js';
import { writeSnapshotFile } from '../state/snapshot-file.js';
import type { RunCliOptions } from './program.js';
import { TOOL_VERSION } from './version.js';

/**
 * The CLI side of issue 13 (`--state-out`, `--from-state`, `--offline`, `--member-role`), kept out of
 * run-command.ts so that the lifecycle owner only calls these.
 */

/** ENFORCE_REDACT_KEY as the snapshot's hash key: the same bytes the redaction masks use (core/redact.ts). */
export function stateValueKey(env: Readonly<Record<string, string | undefined>>): string | undefined {
  const key = env.ENFORCE_REDACT_KEY;
  return key === undefined || key === '' ? undefined : key;
}

/** `--state-out` is checked before any AWS call, like --plan-out: a full read that cannot be saved is wasted. */
export function checkStateOutPath(options: Pick<RunCliOptions, 'stateOut'>): void {
  if (options.stateOut === undefined) return;
  if (options.stateOut.trim() === '') throw new UsageError('--state-out must name a file (it was empty)');
  const dir = dirname(resolve(options.stateOut));
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    throw new UsageError(`--state-out ${options.stateOut}: the directory ${dir} does not exist`);
  }
  if (!isDir) throw new UsageError(`--state-out ${options.stateOut}: ${dir} is not a directory`);
}

/** The member role of the run: `--member-role NAME` wins over settings.memberRole's name, keeping its other keys. */
export function memberRoleOf(
  options: Pick<RunCliOptions, 'memberRole'>,
  prepared: PreparedRun,
): MemberRoleSettings | undefined {
  const settings = prepared.policy.settings.memberRole;
  if (options.memberRole === undefined) return settings;
  return { ...settings, name: options.memberRole };
}

export function fromStateOf(
  options: Pick<RunCliOptions, 'fromState' | 'offline'>,
  snapshot: Snapshot | undefined,
  env: Readonly<Record<string, string | undefined>>,
): FromState | undefined {
  if (options.fromState === undefined || snapshot === undefined) return undefined;
  return {
    file: options.fromState,
    snapshot,
    offline: options.offline,
    valueKey: stateValueKey(env),
    now: () => new Date(),
  };
}

/** What `--state-out` needs from the run: a recorder for the scan, and when observing began. */
export interface StateOut {
  path: string;
  recorder: ObservationRecorder;
  observedAt: Date;
}

export function startStateOut(options: Pick<RunCliOptions, 'stateOut'>): StateOut | undefined {
  if (options.stateOut === undefined) return undefined;
  return { path: options.stateOut, recorder: createObservationRecorder(), observedAt: new Date() };
}

/** Writes the snapshot; returns the failure line for the run's `error:` output, or null. */
export async function writeStateOut(
  state: StateOut,
  result: RunResult,
  prepared: PreparedRun,
  env: Readonly<Record<string, string | undefined>>,
): Promise<string | null> {
  const report: RunReport = result.report;
  const valueKey = stateValueKey(env);
  const snapshot = state.recorder.snapshot({
    observedAt: state.observedAt,
    toolVersion: TOOL_VERSION,
    organization: result.organization,
    caller: prepared.caller,
    report,
    writtenAt: new Date(),
    ...(valueKey === undefined ? {} : { valueKey }),
  });
  try {
    await writeSnapshotFile(state.path, snapshot);
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}
