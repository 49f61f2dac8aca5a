import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { anchorChainHead, anchorRecord } from '../../src/audit/anchor.js';
import { AwsCallError } from '../../src/errors.js';
import { validatePolicyDocument } from '../../src/policy/schema.js';

const mock = mockClient(SSMClient);
const ssm = new SSMClient({ region: 'eu-west-1' });
const record = anchorRecord('run-1', 'enforce-audit.ndjson', { seq: 42, sha256: 'ab'.repeat(32) });
const LINE = `{"event":"audit.anchor","runId":"run-1","file":"enforce-audit.ndjson","seq":42,"sha256":"${'ab'.repeat(32)}"}`;

beforeEach(() => mock.reset());

describe('anchorChainHead', () => {
  it('adds a version of the SSM parameter holding the head', async () => {
    mock.on(PutParameterCommand).resolves({ Version: 7 });
    await anchorChainHead(record, { ssmParameter: '/org/enforce/audit-head' }, { ssm, write: () => {} });
    expect(mock.commandCalls(PutParameterCommand).map((c) => c.args[0].input)).toEqual([
      { Name: '/org/enforce/audit-head', Value: LINE, Type: 'String', Overwrite: true },
    ]);
  });

  it('writes one line for the CI log and calls nothing', async () => {
    const written: string[] = [];
    await anchorChainHead(record, 'stdout', { ssm, write: (line) => written.push(line) });
    expect(written).toEqual([`${LINE}\n`]);
    expect(mock.calls()).toHaveLength(0);
  });

  it('wraps a refused write in an AwsCallError naming the operation', async () => {
    mock
      .on(PutParameterCommand)
      .rejects(Object.assign(new Error('not allowed'), { name: 'AccessDeniedException' }));
    const error = await anchorChainHead(
      record,
      { ssmParameter: '/org/enforce/audit-head' },
      {
        ssm,
        write: () => {},
      },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsCallError);
    expect(error).toMatchObject({ operation: 'ssm:PutParameter', code: 'AccessDeniedException' });
  });
});

describe('settings.auditAnchor', () => {
  const policy = (auditAnchor: unknown) => ({
    version: 1,
    contacts: { security: { name: 'n', title: 't', email: 'security@example.com', phone: '+1-555-0142' } },
    settings: { auditAnchor },
  });

  it('accepts stdout or an SSM parameter name', () => {
    expect(validatePolicyDocument(policy('stdout')).success).toBe(true);
    const result = validatePolicyDocument(policy({ ssmParameter: '/org/enforce/audit-head' }));
    expect(result.success && result.data.settings?.auditAnchor).toEqual({
      ssmParameter: '/org/enforce/audit-head',
    });
  });

  it('rejects anything else, naming the path', () => {
    for (const bad of ['stderr', { ssmParameter: 'has space' }, { ssm: '/x' }]) {
      const result = validatePolicyDocument(policy(bad));
      expect(result.success).toBe(false);
      expect(result.error?.issues.map((i) => i.path.join('.'))[0]).toMatch(/^settings\.auditAnchor/);
    }
  });
});
