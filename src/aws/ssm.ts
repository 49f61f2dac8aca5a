import { GetParametersCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { AwsCallError } from '../errors.js';

/** AWS rule: GetParameters accepts 1 to 10 names per call. */
const MAX_NAMES_PER_CALL = 10;

export interface ParameterValues {
  values: Map<string, { value: string; secure: boolean }>;
  /** Names AWS reported in InvalidParameters (not found or not readable as a parameter). */
  missing: string[];
}

/** Reads parameters, decrypting SecureStrings; `secure` lets callers keep those values out of logs. */
export async function getParameters(client: SSMClient, names: readonly string[]): Promise<ParameterValues> {
  const unique = [...new Set(names)];
  const values = new Map<string, { value: string; secure: boolean }>();
  const missing: string[] = [];
  for (let i = 0; i < unique.length; i += MAX_NAMES_PER_CALL) {
    const batch = unique.slice(i, i + MAX_NAMES_PER_CALL);
    try {
      const output = await client.send(new GetParametersCommand({ Names: batch, WithDecryption: true }));
      for (const p of output.Parameters ?? []) {
        if (p.Name === undefined) continue;
        values.set(p.Name, { value: p.Value ?? '', secure: p.Type === 'SecureString' });
      }
      missing.push(...(output.InvalidParameters ?? []));
    } catch (error) {
      throw AwsCallError.from('ssm:GetParameters', error);
    }
  }
  return { values, missing };
}
