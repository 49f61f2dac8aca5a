import type { AwsClients } from '../aws/clients.js';
import { getParameters } from '../aws/ssm.js';
import { getCaller } from '../aws/sts.js';
import type { DesiredPolicy } from '../core/policy.js';
import type { RedactFields } from '../core/redact.js';
import type { Caller } from '../core/types.js';
import { type LintWarning, lintPolicy } from '../policy/lint.js';
import { type LoadedPolicy, readPolicy } from '../policy/load.js';
import { resolvePolicy, ssmParameterNames } from '../policy/resolve.js';
import { checkPlanPolicy, readSavedPlan, type SavedPlan } from './saved-plan.js';

/** The files a run starts from: read and checked before any AWS call. */
export interface RunInputs {
  loaded: LoadedPolicy;
  saved: SavedPlan | null;
  planFile?: string;
}

/** Everything a run needs before it reads the organization. */
export interface PreparedRun extends RunInputs {
  caller: Caller;
  policy: DesiredPolicy;
  /** Contact-quality findings, once the SSM values are known: the caller reports them (or refuses). */
  lint: LintWarning[];
}

/** The saved plan (if any) and the policy, and that the plan was made for this policy. No AWS call. */
export async function readRunInputs(options: { policyFile: string; planFile?: string }): Promise<RunInputs> {
  const saved = options.planFile === undefined ? null : await readSavedPlan(options.planFile);
  const loaded = await readPolicy(options.policyFile);
  if (saved !== null) checkPlanPolicy(saved, options.planFile!, loaded);
  return { loaded, saved, ...(options.planFile === undefined ? {} : { planFile: options.planFile }) };
}

/** Who is calling, then the SSM values (only once the credentials are known good), then lint. */
export async function prepareRun(
  inputs: RunInputs,
  clients: Pick<AwsClients, 'sts' | 'ssm'>,
  options: { redact: RedactFields; profile?: string },
): Promise<PreparedRun> {
  const caller = await getCaller(clients.sts, { profile: options.profile });
  const policy = await resolveSsmValues(inputs.loaded, clients, options.redact);
  return { ...inputs, caller, policy, lint: lintPolicy(policy, inputs.loaded.file, inputs.loaded.lineOf) };
}

/** Replaces `{ ssm: NAME }` values, read once per run; a missing or invalid value rejects the policy. */
export async function resolveSsmValues(
  loaded: LoadedPolicy,
  clients: Pick<AwsClients, 'ssm'>,
  redact: RedactFields,
): Promise<DesiredPolicy> {
  const names = ssmParameterNames(loaded.document);
  const parameters = names.length === 0 ? new Map() : (await getParameters(clients.ssm, names)).values;
  return resolvePolicy(loaded, parameters, { redact });
}
