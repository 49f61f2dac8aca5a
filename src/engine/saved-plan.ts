import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { normaliseField } from '../core/normalise.js';
import { isWrite } from '../core/plan.js';
import {
  ACTIONS,
  CONTACT_FIELDS,
  CONTACT_TYPES,
  type Contact,
  type ContactField,
  type Organization,
  type Plan,
  RESULTS,
} from '../core/types.js';
import { GuardError } from '../errors.js';
import type { LoadedPolicy } from '../policy/load.js';

const contact = z
  .object({ name: z.string(), title: z.string(), email: z.string(), phone: z.string() })
  .nullable();

/** The SPEC plan document, as `--plan-out` writes it. Unknown keys are tolerated (newer minor versions). */
const PlanFileSchema = z.object({
  version: z.literal(1),
  runId: z.string(),
  mode: z.enum(['dry-run', 'apply']),
  policy: z.object({ file: z.string(), sha256: z.string() }),
  organization: z.object({ id: z.string(), managementAccountId: z.string() }),
  summary: z.object({
    accounts: z.number(),
    items: z.number(),
    inSync: z.number(),
    create: z.number(),
    update: z.number(),
    skipped: z.number(),
    failed: z.number(),
    applied: z.number(),
  }),
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
          reason: z.string().nullable(),
          error: z.object({ code: z.string(), message: z.string() }).nullable(),
        }),
      ),
    }),
  ),
});

export async function readSavedPlan(file: string): Promise<Plan> {
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

/** A plan is applied only with the policy and in the organization it was made for. */
export function checkPlanMatches(
  plan: Plan,
  file: string,
  loaded: LoadedPolicy,
  organization?: Organization,
) {
  if (plan.policy.sha256 !== loaded.sha256) {
    throw new GuardError(
      `${file} was made for another policy (sha256 ${plan.policy.sha256.slice(0, 12)}…); ${loaded.file} now has sha256 ${loaded.sha256.slice(0, 12)}…: make a new plan`,
    );
  }
  if (organization !== undefined && plan.organization.id !== organization.id) {
    throw new GuardError(
      `${file} was made for organization ${plan.organization.id}, but the credentials are for ${organization.id}`,
    );
  }
}

/** The accounts a saved plan writes to. */
export function plannedWriteAccounts(plan: Plan): string[] {
  return plan.accounts
    .filter((a) => a.items.some((i) => isWrite(i) && i.result === 'planned'))
    .map((a) => a.accountId);
}

/**
 * Whether a contact still equals what the plan recorded. A plan may hold masked values (`--redact`, or
 * SecureString values): those are compared through the same hash of the normalised value.
 */
export function sameAsPlanned(
  planned: Contact | null,
  current: Contact | null,
  mask: (field: ContactField, value: string) => string,
): boolean {
  if (planned === null || current === null) return planned === current;
  return CONTACT_FIELDS.every((field) => {
    const recorded = planned[field];
    return recorded.startsWith('[redacted:')
      ? recorded === mask(field, current[field])
      : normaliseField(field, recorded) === normaliseField(field, current[field]);
  });
}
