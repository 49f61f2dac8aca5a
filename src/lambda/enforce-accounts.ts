/**
 * The one place the Lambda handler calls the engine. Everything that depends on the engine's current API
 * (`runEnforce`, its RunOutcome, the plan item fields, the audit log it opens itself) is in this file, so
 * re-pointing the handler at a reshaped engine changes only this file.
 */
import type { DestinationStream } from 'pino';
import type { AwsClients } from '../aws/clients.js';
import { listAccounts } from '../aws/organizations.js';
import { summarise } from '../core/plan.js';
import type { ItemError, PlanAccount } from '../core/types.js';
import type { Clock } from '../engine/clock.js';
import { neverInterrupted } from '../engine/interrupt.js';
import { runEnforce } from '../engine/run.js';
import { readPolicy } from '../policy/load.js';

export interface BatchRequest {
  policyFile: string;
  redact: boolean;
  /** Shared by every line the batch writes, across retries. */
  runId: string;
  /** The EventBridge event ids that triggered the batch: on its run.start and run.end. */
  eventIds: readonly string[];
  toolVersion: string;
}

export interface BatchDeps {
  clients: AwsClients;
  clock: Clock;
  /** Writes one NDJSON line synchronously (stdout in Lambda, which CloudWatch Logs collects). */
  writeLine: (line: string) => void;
}

/** What became of one account in one engine run. */
export type AccountOutcome =
  /** Every managed contact is in sync, was written and read back, or is skipped by the policy. */
  | { status: 'done' }
  /** At least one contact could not be read or written; the codes are AWS's error names (or NotWritten). */
  | { status: 'failed'; errors: ItemError[] }
  /** The organization does not list the account (yet), or it is still being activated. */
  | { status: 'not-ready'; why: 'not-listed' | 'pending-activation' };

export interface EnforcementBatch {
  /**
   * One engine run (apply mode) over these accounts. `maxChanges` is what is left of the policy's limit
   * for the whole batch. Throws what the engine throws (preflight, listing) after logging it.
   */
  enforce(accountIds: readonly string[]): Promise<Map<string, AccountOutcome>>;
  /**
   * Writes the batch's single run.end: the last run's, with the summary of every account's latest run.
   * False when no engine run got as far as its run.start: the caller then writes the pair itself.
   */
  close(exitCode: number): boolean;
}

/**
 * Opens a batch: checks the policy (a PolicyError is thrown before any AWS call, so nothing is written),
 * then lets the handler run the engine once per attempt. Today's engine writes run.start and run.end per
 * run; the batch keeps only the first run.start and the last run.end, so the audit trail has one pair per
 * SQS batch however many retries it took.
 */
export async function openEnforcementBatch(
  request: BatchRequest,
  deps: BatchDeps,
): Promise<EnforcementBatch> {
  await readPolicy(request.policyFile);
  const started = deps.clock.now();
  const audit = batchAuditStream(deps.writeLine, request.eventIds);
  const latest = new Map<string, PlanAccount>();
  let written = 0;
  let maxChanges: number | undefined;

  return {
    async enforce(accountIds) {
      const outcomes = new Map<string, AccountOutcome>();
      const listed = new Set((await listAccounts(deps.clients.organizations)).map((a) => a.id));
      const runnable = accountIds.filter((id) => listed.has(id));
      for (const id of accountIds) {
        if (!listed.has(id)) outcomes.set(id, { status: 'not-ready', why: 'not-listed' });
      }
      if (runnable.length === 0) return outcomes;
      const outcome = await runEnforce(
        {
          mode: 'apply',
          policyFile: request.policyFile,
          accounts: runnable,
          redact: request.redact,
          toolVersion: request.toolVersion,
          ...(maxChanges === undefined ? {} : { maxChanges: Math.max(0, maxChanges - written) }),
        },
        {
          clients: deps.clients,
          clock: deps.clock,
          interrupt: neverInterrupted,
          openAuditLog: () => audit.destination,
          runId: request.runId,
        },
      );
      maxChanges ??= outcome.policy.settings.maxChanges;
      for (const account of outcome.plan.accounts) {
        latest.set(account.accountId, account);
        written += account.items.filter((i) => i.result === 'applied').length;
        outcomes.set(account.accountId, outcomeOfAccount(account));
      }
      const failed = [...outcomes.values()].some((o) => o.status !== 'done');
      outcome.finish(outcome.refusal !== null || failed ? 1 : 0);
      return outcomes;
    },
    close(exitCode) {
      const accounts = [...latest.values()];
      return audit.flushRunEnd({
        exitCode,
        durationMs: Math.round(deps.clock.now() - started),
        ...(accounts.length === 0 ? {} : { summary: summarise(accounts) }),
      });
    },
  };
}

/** Reads one account's fate from the plan. The only code that knows the plan item's fields. */
export function outcomeOfAccount(account: PlanAccount): AccountOutcome {
  if (account.state === 'PENDING_ACTIVATION') return { status: 'not-ready', why: 'pending-activation' };
  const errors: ItemError[] = [];
  for (const item of account.items) {
    if (item.error !== null && (item.action === 'error' || item.result === 'failed')) errors.push(item.error);
    else if (item.result === 'failed') errors.push({ code: 'Failed', message: String(item.reason) });
    // Planned but refused by a guard (max-changes) or never started: the account is not in its desired state.
    else if (item.result === 'skipped' && (item.action === 'create' || item.action === 'update')) {
      errors.push({ code: 'NotWritten', message: `not written: ${String(item.reason)}` });
    }
  }
  return errors.length === 0 ? { status: 'done' } : { status: 'failed', errors };
}

/**
 * A pino destination that passes every audit line through, adds the triggering event ids to run.start and
 * run.end, writes run.start once and holds run.end until the batch closes.
 */
function batchAuditStream(writeLine: (line: string) => void, eventIds: readonly string[]) {
  let started = false;
  let heldRunEnd: Record<string, unknown> | null = null;
  const destination: DestinationStream = {
    write(line: string) {
      const event = /"event":"(run\.start|run\.end)"/.exec(line)?.[1];
      if (event === undefined) return writeLine(line);
      const parsed = JSON.parse(line) as Record<string, unknown>;
      if (event === 'run.end') {
        heldRunEnd = parsed;
        return;
      }
      if (started) return;
      started = true;
      writeLine(`${JSON.stringify({ ...parsed, eventIds })}\n`);
    },
  };
  return {
    destination,
    flushRunEnd(fields: Record<string, unknown>): boolean {
      // Nothing ran (every account unlisted, or every run failed before its audit log opened).
      if (!started || heldRunEnd === null) return false;
      writeLine(`${JSON.stringify({ ...heldRunEnd, ...fields, eventIds })}\n`);
      heldRunEnd = null;
      return true;
    },
  };
}
