import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { type DecisionContext, decideAccount } from '../core/desired.js';
import { changedFields, normaliseItemField } from '../core/normalise.js';
import { desiredAfter, desiredPrimaryAfter } from '../core/plan-kinds.js';
import type { DesiredPolicy } from '../core/policy.js';
import { changedPrimaryFields, PRIMARY_FIELDS, PRIMARY_REQUIRED_FIELDS } from '../core/primary.js';
import { isMask } from '../core/redact.js';
import {
  ACTIONS,
  type Account,
  CONTACT_FIELDS,
  type Contact,
  type ContactField,
  fieldsOf,
  fieldValue,
  ITEM_FIELDS,
  ITEM_TYPES,
  type ItemError,
  type ItemField,
  type ItemType,
  type ItemValues,
  type Organization,
  type PrimaryContact,
  type PrimaryField,
  REASONS,
  RESULTS,
  type ReportAccount,
  type ReportItem,
  type WriteItem,
} from '../core/types.js';
import { GuardError } from '../errors.js';
import type { LoadedPolicy } from '../policy/load.js';
import type { ContactsGateway } from './contacts-gateway.js';

const alternateContact = z.object({
  name: z.string(),
  title: z.string(),
  email: z.string(),
  phone: z.string(),
});
/** The primary contact's required fields are strings; its optional ones may be left out. */
const primaryContact = z.object({
  ...Object.fromEntries(PRIMARY_REQUIRED_FIELDS.map((f) => [f, z.string()])),
  ...Object.fromEntries(
    PRIMARY_FIELDS.filter((f) => !(PRIMARY_REQUIRED_FIELDS as readonly string[]).includes(f)).map((f) => [
      f,
      z.string().optional(),
    ]),
  ),
}) as unknown as z.ZodType<PrimaryContact>;
const contact = z.union([alternateContact, primaryContact]).nullable();

/**
 * The SPEC plan document, as `--plan-out` writes it. Unknown keys are tolerated (newer minor versions);
 * fields added in round 2 are optional so that older plans still read.
 */
const PlanFileSchema = z
  .object({
    version: z.literal(1),
    runId: z.string(),
    mode: z.enum(['dry-run', 'apply']),
    createdAt: z.string().optional(),
    policy: z.object({ file: z.string(), sha256: z.string() }),
    organization: z.object({ id: z.string(), managementAccountId: z.string() }),
    caller: z.object({ accountId: z.string(), arn: z.string() }).optional(),
    redaction: z.object({ key: z.string() }).nullable().optional(),
    warnings: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    notChecked: z.array(z.object({ paths: z.array(z.string()), message: z.string() })).optional(),
    accounts: z.array(
      z.object({
        accountId: z.string(),
        accountName: z.string(),
        state: z.enum(['ACTIVE', 'SUSPENDED', 'PENDING_CLOSURE', 'CLOSED', 'PENDING_ACTIVATION']),
        items: z.array(
          z.object({
            accountId: z.string(),
            type: z.enum(ITEM_TYPES),
            action: z.enum(ACTIONS),
            result: z.enum(RESULTS),
            before: contact,
            after: contact,
            changedFields: z.array(z.enum(ITEM_FIELDS as [ItemField, ...ItemField[]])),
            reason: z.enum(REASONS).nullable(),
            error: z.object({ code: z.string(), message: z.string() }).nullable(),
          }),
        ),
      }),
    ),
  })
  .superRefine((plan, ctx) => {
    // Each item's values must be of the kind its type says: a primary contact only on PRIMARY items.
    for (const [a, account] of plan.accounts.entries()) {
      for (const [i, item] of account.items.entries()) {
        const fields = fieldsOf(item.type);
        const bad = [item.before, item.after].some(
          (values) => values !== null && !Object.keys(values).every((k) => fields.includes(k as ItemField)),
        );
        const badFields = item.changedFields.some((f) => !fields.includes(f));
        if (bad || badFields)
          ctx.addIssue({
            code: 'custom',
            path: ['accounts', a, 'items', i],
            message: `the values are not those of a ${item.type} contact`,
          });
      }
    }
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
  return accounts.flatMap((account) =>
    account.items.flatMap((i) => {
      const item = i.result === 'planned' ? savedWriteItem(i) : null;
      return item === null ? [] : [item];
    }),
  );
}

/**
 * The write a saved item records. The plan's schema checked that its values are of the kind its type
 * says, so the casts below only restate that.
 */
function savedWriteItem(i: ReportItem): WriteItem | null {
  const { accountId } = i;
  if (i.type === 'PRIMARY') {
    const type = i.type;
    const after = i.after as PrimaryContact | null;
    const before = i.before as PrimaryContact | null;
    const changed = i.changedFields as PrimaryField[];
    if (after === null) return null;
    if (i.action === 'create') return { accountId, type, action: 'create', after, changedFields: changed };
    if (i.action === 'update' && before !== null)
      return { accountId, type, action: 'update', before, after, changedFields: changed };
    return null;
  }
  const type = i.type;
  const after = i.after as Contact | null;
  const before = i.before as Contact | null;
  const changed = i.changedFields as ContactField[];
  if (i.action === 'delete') return before === null ? null : { accountId, type, action: 'delete', before };
  if (after === null) return null;
  if (i.action === 'create') return { accountId, type, action: 'create', after, changedFields: changed };
  if (i.action === 'update' && before !== null)
    return { accountId, type, action: 'update', before, after, changedFields: changed };
  return null;
}

/** Masks a value the way the plan's masks were made, so a masked plan can be compared. */
export type MaskFn = (field: ItemField, value: string) => string;

/**
 * Whether a contact still equals what the plan recorded. A plan may hold masked values (`--redact`, or
 * SecureString values): those are compared through the same keyed mask of the normalised value.
 */
export function sameAsPlanned(
  type: ItemType,
  planned: ItemValues | null,
  current: ItemValues | null,
  mask: MaskFn,
): boolean {
  if (planned === null || current === null) return planned === current;
  return fieldsOf(type).every((field) => {
    const recorded = fieldValue(planned, field);
    const now = fieldValue(current, field);
    return isMask(recorded)
      ? recorded === mask(field, now)
      : normaliseItemField(field, recorded) === normaliseItemField(field, now);
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
 * the plan's `before` and its `after`, or an account the policy now decides otherwise → `stale`. A delete
 * is in sync when the contact is already gone; the primary contact is re-checked like an alternate one.
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
  if (decided?.kind !== 'manage') return { kind: 'not-written', reason: 'stale' };
  const plannedBefore = saved.action === 'create' ? null : saved.before;
  const plannedAfter = saved.action === 'delete' ? null : saved.after;

  if (saved.type === 'PRIMARY') {
    if (decided.primary === undefined) return { kind: 'not-written', reason: 'stale' };
    const observed = await gateway.readPrimary(saved.accountId);
    if (observed.kind === 'error') return { kind: 'error', error: observed.error };
    const current = observed.kind === 'present' ? observed.contact : null;
    const desired = desiredPrimaryAfter(decided.primary, current);
    if (current !== null && desired !== undefined && changedPrimaryFields(current, desired).length === 0)
      return { kind: 'not-written', reason: 'already-in-sync' };
    if (desired === undefined || !sameAsPlanned(saved.type, plannedAfter, desired, mask))
      return { kind: 'not-written', reason: 'stale' };
    if (!sameAsPlanned(saved.type, plannedBefore, current, mask))
      return { kind: 'not-written', reason: 'stale' };
    const { accountId, type } = saved;
    return {
      kind: 'write',
      item:
        current === null
          ? {
              accountId,
              type,
              action: 'create',
              after: desired,
              changedFields: changedPrimaryFields({}, desired),
            }
          : {
              accountId,
              type,
              action: 'update',
              before: current,
              after: desired,
              changedFields: changedPrimaryFields(current, desired),
            },
    };
  }

  const rule = decided.contacts[saved.type];
  if (rule === undefined) return { kind: 'not-written', reason: 'stale' };
  const observed = await gateway.read(saved.accountId, saved.type);
  if (observed.kind === 'error') return { kind: 'error', error: observed.error };
  const current = observed.kind === 'present' ? observed.contact : null;
  // What the policy wants now, given what the account holds (unlisted fields are kept from it; null: absent).
  const desired = desiredAfter(rule, current);
  const inSync =
    desired === null
      ? current === null
      : current !== null && desired !== undefined && changedFields(current, desired).length === 0;
  if (inSync) return { kind: 'not-written', reason: 'already-in-sync' };
  if (desired === undefined || !sameAsPlanned(saved.type, plannedAfter, desired, mask))
    return { kind: 'not-written', reason: 'stale' };
  if (!sameAsPlanned(saved.type, plannedBefore, current, mask))
    return { kind: 'not-written', reason: 'stale' };
  const { accountId, type } = saved;
  if (desired === null)
    // Not in sync, so the account has a contact: the one the plan saw (checked just above).
    return current === null
      ? { kind: 'not-written', reason: 'already-in-sync' }
      : { kind: 'write', item: { accountId, type, action: 'delete', before: current } };
  return {
    kind: 'write',
    item:
      current === null
        ? { accountId, type, action: 'create', after: desired, changedFields: [...CONTACT_FIELDS] }
        : {
            accountId,
            type,
            action: 'update',
            before: current,
            after: desired,
            changedFields: changedFields(current, desired),
          },
  };
}
