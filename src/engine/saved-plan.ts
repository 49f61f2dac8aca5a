import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { type DecisionContext, decideAccount } from '../core/desired.js';
import { contactsEqual, normaliseField } from '../core/normalise.js';
import { planItem } from '../core/plan.js';
import { desiredAfter } from '../core/plan-contact.js';
import type { DesiredPolicy } from '../core/policy.js';
import { isMask } from '../core/redact.js';
import {
  ACTIONS,
  type Account,
  CONTACT_FIELDS,
  CONTACT_TYPES,
  type Contact,
  type ContactField,
  type ItemError,
  type Organization,
  REASONS,
  RESULTS,
  type ReportAccount,
  type WriteItem,
} from '../core/types.js';
import { GuardError } from '../errors.js';
import type { LoadedPolicy } from '../policy/load.js';
import type { ContactsGateway } from './contacts-gateway.js';

const contact = z
  .object({ name: z.string(), title: z.string(), email: z.string(), phone: z.string() })
  .nullable();

/**
 * The SPEC plan document, as `--plan-out` writes it. Unknown keys are tolerated (newer minor versions);
 * fields added in round 2 are optional so that older plans still read.
 */
const PlanFileSchema = z.object({
  version: z.literal(1),
  runId: z.string(),
  mode: z.enum(['dry-run', 'apply']),
  createdAt: z.string().optional(),
  policy: z.object({ file: z.string(), sha256: z.string() }),
  organization: z.object({ id: z.string(), managementAccountId: z.string() }),
  caller: z.object({ accountId: z.string(), arn: z.string() }).optional(),
  redaction: z.object({ key: z.string() }).nullable().optional(),
  accounts: z.array(
    z.object({
      accountId: z.string(),
      accountName: z.string(),
      state: z.enum(['ACTIVE', 'SUSPENDED', 'PENDING_CLOSURE', 'CLOSED', 'PENDING_ACTIVATION']),
      items: z.array(
        z.object({
          accountId: z.string(),
          type: z.enum(CONTACT_TYPES),
          action: z.enum(ACTIONS),
          result: z.enum(RESULTS),
          before: contact,
          after: contact,
          changedFields: z.array(z.enum(CONTACT_FIELDS)),
          reason: z.enum(REASONS).nullable(),
          error: z.object({ code: z.string(), message: z.string() }).nullable(),
        }),
      ),
    }),
  ),
});

export type SavedPlan = z.infer<typeof PlanFileSchema>;

export async function readSavedPlan(file: string): Promise<SavedPlan> {
  let data: unknown;
  try {
    data = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new GuardError(`cannot read the saved plan ${file}: ${(error as Error).message}`, { cause: error });
  }
  const parsed = PlanFileSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new GuardError(`${file} is not an enforce plan: ${issue.path.join('.')}: ${issue.message}`);
  }
  if (parsed.data.mode !== 'dry-run') throw new GuardError(`${file} is the record of an apply, not a plan`);
  return parsed.data;
}

/** A plan is applied only with the policy it was made for (checked before any AWS call). */
export function checkPlanPolicy(plan: SavedPlan, file: string, loaded: LoadedPolicy): void {
  if (plan.policy.sha256 !== loaded.sha256) {
    throw new GuardError(
      `${file} was made for another policy (sha256 ${plan.policy.sha256.slice(0, 12)}…); ${loaded.file} now has sha256 ${loaded.sha256.slice(0, 12)}…: make a new plan`,
    );
  }
}

/** …and in the organization it was made for (checked before any Account API call). */
export function checkPlanOrganization(plan: SavedPlan, file: string, organization: Organization): void {
  if (plan.organization.id !== organization.id) {
    throw new GuardError(
      `${file} was made for organization ${plan.organization.id}, but the credentials are for ${organization.id}`,
    );
  }
}

/**
 * A plan that holds masks (`--redact`, SecureString values) can be applied only with the key that made
 * them: without it, no current value can be compared with a mask, and every item would look stale.
 */
export function checkPlanMasks(plan: SavedPlan, file: string, keyId: string): void {
  const masked = plan.accounts.some((a) =>
    a.items.some((i) => [i.before, i.after].some((c) => c !== null && Object.values(c).some(isMask))),
  );
  if (!masked || plan.redaction?.key === keyId) return;
  throw new GuardError(
    `${file} holds redacted values whose masks were made with another key: set ENFORCE_REDACT_KEY to the key the plan was made with (it must be set when the plan is made too), or make the plan without --redact`,
  );
}

/** The accounts of the plan this run applies: all of them, or those named with `--accounts`. */
export function selectPlanAccounts(
  plan: SavedPlan,
  selected: readonly string[] | undefined,
): ReportAccount[] {
  if (selected === undefined) return plan.accounts;
  const wanted = new Set(selected);
  return plan.accounts.filter((a) => wanted.has(a.accountId));
}

/** The plan's writes that are still to be made, as the plan recorded them. */
export function pendingWrites(accounts: readonly ReportAccount[]): WriteItem[] {
  const writes: WriteItem[] = [];
  for (const account of accounts) {
    for (const i of account.items) {
      if (i.result !== 'planned' || i.after === null) continue;
      const key = { accountId: i.accountId, type: i.type, after: i.after, changedFields: i.changedFields };
      if (i.action === 'create') writes.push({ ...key, action: 'create' });
      else if (i.action === 'update' && i.before !== null)
        writes.push({ ...key, action: 'update', before: i.before });
    }
  }
  return writes;
}

/** Masks a value the way the plan's masks were made, so a masked plan can be compared. */
export type MaskFn = (field: ContactField, value: string) => string;

/**
 * Whether a contact still equals what the plan recorded. A plan may hold masked values (`--redact`, or
 * SecureString values): those are compared through the same keyed mask of the normalised value.
 */
export function sameAsPlanned(planned: Contact | null, current: Contact | null, mask: MaskFn): boolean {
  if (planned === null || current === null) return planned === current;
  return CONTACT_FIELDS.every((field) => {
    const recorded = planned[field];
    return isMask(recorded)
      ? recorded === mask(field, current[field])
      : normaliseField(field, recorded) === normaliseField(field, current[field]);
  });
}

/** What re-checking one saved item found: write it (with what the account holds now), or why not. */
export type Recheck =
  | { kind: 'write'; item: WriteItem }
  | { kind: 'not-written'; reason: 'stale' | 'already-in-sync' }
  | { kind: 'error'; error: ItemError };

/**
 * `--apply --plan`: re-derives a saved item from the (identical) policy for the account as it is listed
 * now, and re-reads the account. In sync already → `already-in-sync`; a contact that differs from both
 * the plan's `before` and its `after`, or an account the policy now decides otherwise → `stale`.
 */
export async function recheckSavedItem(
  saved: WriteItem,
  account: Account | undefined,
  policy: DesiredPolicy,
  decision: DecisionContext,
  gateway: ContactsGateway,
  mask: MaskFn,
): Promise<Recheck> {
  const decided = account === undefined ? null : decideAccount(account, policy, decision);
  const rule = decided?.kind === 'manage' ? decided.contacts[saved.type] : undefined;
  if (rule === undefined) return { kind: 'not-written', reason: 'stale' };
  const observed = await gateway.read(saved.accountId, saved.type);
  if (observed.kind === 'error') return { kind: 'error', error: observed.error };
  const current = observed.kind === 'present' ? observed.contact : null;
  // What the policy wants now, given what the account holds (unlisted fields are kept from it).
  const desired = desiredAfter(rule, current);
  if (current !== null && desired !== undefined && contactsEqual(current, desired))
    return { kind: 'not-written', reason: 'already-in-sync' };
  if (desired === undefined || !sameAsPlanned(saved.after, desired, mask))
    return { kind: 'not-written', reason: 'stale' };
  const plannedBefore = saved.action === 'update' ? saved.before : null;
  if (!sameAsPlanned(plannedBefore, current, mask)) return { kind: 'not-written', reason: 'stale' };
  const item = planItem(saved.accountId, saved.type, desired, observed);
  // Unreachable after the checks above (current differs from desired), but the type system cannot know.
  if (item.action !== 'create' && item.action !== 'update')
    return { kind: 'not-written', reason: 'already-in-sync' };
  return { kind: 'write', item };
}
