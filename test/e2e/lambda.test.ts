// End to end: continuous enforcement through the template a user deploys. The template goes into moto's
// CloudFormation; every event fixture is put on the default bus, and moto's own event-pattern matcher decides
// which reach the queue. The messages that arrive are then handed to the BUILT handler (dist/lambda/handler.js)
// in this process, pointed at moto through the proxy that enforces AWS's management-account rule. moto cannot
// run a Lambda function without Docker, so the stack is deployed with EventSourceEnabled=false and this test
// plays Lambda's poller. Last, the zip from `enforce package-lambda` is unzipped into an empty directory and
// its handler run under plain `node`, with no node_modules. The two forwarding templates are deployed too (the
// StackSet's template as a member account) and must carry exactly the events the enforcer acts on.

import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  AccountClient,
  GetAlternateContactCommand,
  PutAlternateContactCommand,
} from '@aws-sdk/client-account';
import { CreateAccountCommand, MoveAccountCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type AwsProxy, startAwsProxy } from '../support/aws-proxy.js';
import {
  awsCli,
  cliEnv,
  credentialsEnv,
  describeResult,
  makeTempDir,
  removeDir,
  runCli,
} from '../support/cli.js';
import { isMotoAvailable, type MotoServer, startMoto } from '../support/moto.js';
import {
  assumeRoleCredentials,
  type ContactSpec,
  contactsYaml,
  DEMO_PAYMENTS_SECURITY,
  DEMO_SECURITY as SECURITY,
  type SeededOrg,
  seedOrganization,
  TEST_CREDENTIALS,
  TEST_REGION,
} from '../support/seed.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURES = join(ROOT, 'test/fixtures/events');
const TEMPLATE = join(ROOT, 'src/lambda/templates/enforce.yaml');
const BUILT_HANDLER = join(ROOT, 'dist/lambda/handler.js');
const FIXTURE_ROLE = 'enforce-EnforcerRole-EXAMPLE';
const STALE: ContactSpec = { ...SECURITY, email: 'jordan.former@example.com' };

/** The fixtures the template's rules must let through; every other fixture must not reach the queue. */
const RELEVANT = [
  'account-joined-organization',
  'controltower-create-managed-account',
  'controltower-update-managed-account',
  'create-account-result-succeeded',
  'delete-alternate-contact-member',
  'move-account',
  'put-alternate-contact',
  'tag-resource-account',
  'untag-resource-account',
];

interface QueueMessage {
  MessageId: string;
  Body: string;
}

describe.skipIf(!isMotoAvailable() && !process.env.ENFORCE_REQUIRE_E2E)(
  'continuous enforcement on Lambda',
  () => {
    let moto: MotoServer;
    let proxy: AwsProxy;
    let org: SeededOrg;
    let dir: string;
    let policyFile: string;
    let organizations: OrganizationsClient;
    let account: AccountClient;
    let outputs: Record<string, string>;
    let newAccountId: string;
    /** Fixture account id → the seeded account that stands for it. */
    let ids: Record<string, string>;
    const received: QueueMessage[] = [];
    const MEMBER_FORWARDING = join(ROOT, 'src/lambda/templates/member-forwarding.yaml');
    const CONTROL_TOWER_HOME = join(ROOT, 'src/lambda/templates/control-tower-home-region.yaml');

    const cli = (args: string[]) => awsCli(args, { endpoint: moto.endpoint });

    beforeAll(async () => {
      moto = await startMoto();
      org = await seedOrganization(moto.endpoint, {
        ous: [{ name: 'Payments' }],
        accounts: [
          { name: 'moved', email: 'aws+moved@example.com', contacts: { SECURITY } },
          { name: 'edited', email: 'aws+edited@example.com', contacts: { SECURITY } },
          { name: 'joined', email: 'aws+joined@example.com' },
          { name: 'factory', email: 'aws+factory@example.com' },
          {
            name: 'factory-updated',
            email: 'aws+factory-updated@example.com',
            contacts: { SECURITY: STALE },
          },
          { name: 'tagged', email: 'aws+tagged@example.com', contacts: { SECURITY } },
          { name: 'member', email: 'aws+member@example.com' },
        ],
      });
      proxy = await startAwsProxy({ target: moto.endpoint, managementAccountId: org.managementAccountId });
      const config = {
        endpoint: moto.endpoint,
        region: TEST_REGION,
        credentials: TEST_CREDENTIALS,
        maxAttempts: 1,
      };
      organizations = new OrganizationsClient(config);
      account = new AccountClient(config);
      dir = await makeTempDir('enforce-lambda-');
      policyFile = join(dir, 'contacts.yaml');
      await writeFile(
        policyFile,
        `version: 1\n${contactsYaml({ security: SECURITY })}overrides:\n  - match: { ous: ["${org.ous.Payments}"] }\n    contacts:\n      security: { email: ${DEMO_PAYMENTS_SECURITY.email} }\n`,
      );

      // The code location the template asks for: the zip the CLI makes, in an S3 bucket.
      const zip = join(dir, 'enforce-lambda.zip');
      const packaged = await runCli(['package-lambda', '--policy', policyFile, '--out', zip], {
        cwd: dir,
        env: cliEnv({}),
      });
      if (packaged.code !== 0) throw new Error(`package-lambda failed: ${describeResult(packaged)}`);
      await cli(['s3api', 'create-bucket', '--bucket', 'enforce-code']);
      await cli([
        's3api',
        'put-object',
        '--bucket',
        'enforce-code',
        '--key',
        'enforce-lambda.zip',
        '--body',
        zip,
      ]);
      await cli([
        'cloudformation',
        'create-stack',
        '--stack-name',
        'enforce',
        '--template-body',
        readFileSync(TEMPLATE, 'utf8'),
        '--capabilities',
        'CAPABILITY_IAM',
        '--parameters',
        'ParameterKey=CodeBucket,ParameterValue=enforce-code',
        'ParameterKey=CodeKey,ParameterValue=enforce-lambda.zip',
        'ParameterKey=EventSourceEnabled,ParameterValue=false',
      ]);
      const stacks = (await cli(['cloudformation', 'describe-stacks', '--stack-name', 'enforce'])) as {
        Stacks: { StackStatus: string; Outputs: { OutputKey: string; OutputValue: string }[] }[];
      };
      const stack = stacks.Stacks[0]!;
      if (stack.StackStatus !== 'CREATE_COMPLETE') throw new Error(`stack is ${stack.StackStatus}`);
      outputs = Object.fromEntries(stack.Outputs.map((o) => [o.OutputKey, o.OutputValue]));

      // What happens in the organization; moto records no CloudTrail, so each change's event is a fixture.
      const created = await organizations.send(
        new CreateAccountCommand({ AccountName: 'brand-new', Email: 'aws+brand-new@example.com' }),
      );
      newAccountId = created.CreateAccountStatus!.AccountId!;
      await organizations.send(
        new MoveAccountCommand({
          AccountId: org.accounts.moved,
          SourceParentId: org.rootId,
          DestinationParentId: org.ous.Payments,
        }),
      );
      await account.send(
        new PutAlternateContactCommand({
          AccountId: org.accounts.edited,
          AlternateContactType: 'SECURITY',
          Name: 'Someone Else',
          Title: SECURITY.title,
          EmailAddress: 'someone.else@example.com',
          PhoneNumber: SECURITY.phone,
        }),
      );
      ids = {
        '111111111111': org.managementAccountId,
        '222222222222': newAccountId,
        '333333333333': org.accounts.moved!,
        '444444444444': org.accounts.tagged!,
        '555555555555': org.accounts.edited!,
        '565656565656': org.accounts.member!,
        '777777777777': org.accounts.joined!,
        '888888888888': org.accounts.factory!,
        '121212121212': org.accounts['factory-updated']!,
      };
    });

    afterAll(async () => {
      organizations?.destroy();
      account?.destroy();
      await proxy?.stop();
      await moto?.stop();
      await removeDir(dir);
    });

    /** A fixture with its example ids replaced by the seeded organization's and the stack's role. */
    function fixture(name: string): Record<string, unknown> {
      let text = readFileSync(join(FIXTURES, `${name}.json`), 'utf8');
      for (const [example, real] of Object.entries(ids)) text = text.replaceAll(example, real);
      return JSON.parse(text.replaceAll(FIXTURE_ROLE, outputs.EnforcerRoleName!));
    }

    /** Every message now in the enforcer's queue (bounded: a few receives find it empty). */
    async function drainQueue(): Promise<QueueMessage[]> {
      const messages: QueueMessage[] = [];
      for (let i = 0; i < 10; i++) {
        const answer = (await cli([
          'sqs',
          'receive-message',
          '--queue-url',
          outputs.EventQueueUrl!,
          '--max-number-of-messages',
          '10',
          '--visibility-timeout',
          '600',
        ])) as { Messages?: QueueMessage[] } | null;
        if ((answer?.Messages ?? []).length === 0) break;
        messages.push(...answer!.Messages!);
      }
      return messages;
    }

    const eventIdsOf = (messages: QueueMessage[]) =>
      messages.map((m) => (JSON.parse(m.Body).detail as { eventID: string }).eventID).sort();

    /** The AWS CLI in another region (awsCli always adds us-east-1). */
    async function awsIn(region: string, args: string[], env: Record<string, string> = {}) {
      const { stdout } = await run(
        'aws',
        [...args, '--endpoint-url', moto.endpoint, '--region', region, '--output', 'json'],
        {
          env: cliEnv({ AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', ...env }),
          timeout: 30_000,
        },
      );
      return stdout.trim() === '' ? null : JSON.parse(stdout);
    }

    const putEvents = (region: string, events: Record<string, unknown>[], env: Record<string, string> = {}) =>
      awsIn(
        region,
        [
          'events',
          'put-events',
          '--entries',
          JSON.stringify(
            events.map((e) => ({
              Source: e.source,
              DetailType: e['detail-type'],
              Detail: JSON.stringify(e.detail),
            })),
          ),
        ],
        env,
      );

    async function securityContact(accountId: string) {
      const answer = await account.send(
        new GetAlternateContactCommand({ AccountId: accountId, AlternateContactType: 'SECURITY' }),
      );
      return answer.AlternateContact?.EmailAddress;
    }

    it('deploys one rule per source and detail-type, the function and its queues', async () => {
      const rules = (await cli(['events', 'list-rules'])) as { Rules: { Name: string }[] };
      expect(rules.Rules.map((r) => r.Name.replace(/^enforce-|-[A-Z0-9]+$/g, '')).sort()).toEqual([
        'AccountApiCallsRule',
        'ControlTowerServiceEventsRule',
        'OrganizationsApiCallsRule',
        'OrganizationsServiceEventsRule',
      ]);
      const fn = (await cli(['lambda', 'get-function', '--function-name', outputs.FunctionName!])) as {
        Configuration: {
          Runtime: string;
          Handler: string;
          Environment: { Variables: Record<string, string> };
        };
        Concurrency?: { ReservedConcurrentExecutions: number };
      };
      expect(fn.Configuration).toMatchObject({ Runtime: 'nodejs22.x', Handler: 'handler.handler' });
      expect(fn.Configuration.Environment.Variables.ENFORCE_ROLE_ARN).toBe(outputs.EnforcerRoleArn);
      expect(fn.Concurrency?.ReservedConcurrentExecutions).toBe(1);
    });

    it('lets exactly the relevant events through to the queue', async () => {
      const names = readdirSync(FIXTURES).map((f) => f.replace(/\.json$/, ''));
      const entries = names.map((name) => {
        const event = fixture(name);
        return {
          Source: event.source,
          DetailType: event['detail-type'],
          Detail: JSON.stringify(event.detail),
          Resources: event.resources,
        };
      });
      for (let i = 0; i < entries.length; i += 10) {
        const answer = (await cli([
          'events',
          'put-events',
          '--entries',
          JSON.stringify(entries.slice(i, i + 10)),
        ])) as {
          FailedEntryCount: number;
        };
        expect(answer.FailedEntryCount).toBe(0);
      }
      received.push(...(await drainQueue()));
      const byEventId = new Map(names.map((n) => [(fixture(n).detail as { eventID: string }).eventID, n]));
      const arrived = received.map((m) => byEventId.get(JSON.parse(m.Body).detail.eventID));
      expect(arrived.sort()).toEqual(RELEVANT);
    });

    it('hands the batch to the built handler, which fixes every account and logs to stdout', async () => {
      expect(received.length, 'the previous test fills the queue').toBe(RELEVANT.length);
      const { handler } = (await import(BUILT_HANDLER)) as typeof import('../../src/lambda/handler.js');
      vi.stubEnv('AWS_ENDPOINT_URL', proxy.endpoint);
      vi.stubEnv('AWS_ACCESS_KEY_ID', TEST_CREDENTIALS.accessKeyId);
      vi.stubEnv('AWS_SECRET_ACCESS_KEY', TEST_CREDENTIALS.secretAccessKey);
      vi.stubEnv('AWS_REGION', TEST_REGION);
      vi.stubEnv('ENFORCE_POLICY_FILE', policyFile);
      vi.stubEnv('ENFORCE_ROLE_ARN', outputs.EnforcerRoleArn!);
      const written: string[] = [];
      const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
        written.push(String(chunk));
        return true;
      });
      let result: Awaited<ReturnType<typeof handler>>;
      try {
        result = await handler(
          { Records: received.map((m) => ({ messageId: m.MessageId, body: m.Body })) },
          { getRemainingTimeInMillis: () => 60_000 },
        );
      } finally {
        spy.mockRestore();
        vi.unstubAllEnvs();
      }
      const lines = written
        .join('')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(result, written.join('')).toEqual({ batchItemFailures: [] });

      expect(await securityContact(newAccountId)).toBe(SECURITY.email);
      expect(await securityContact(org.accounts.moved!)).toBe(DEMO_PAYMENTS_SECURITY.email);
      expect(await securityContact(org.accounts.edited!)).toBe(SECURITY.email);
      expect(await securityContact(org.accounts['factory-updated']!)).toBe(SECURITY.email);

      const starts = lines.filter((l) => l.event === 'run.start');
      const ends = lines.filter((l) => l.event === 'run.end');
      const eventIds = received.map((m) => JSON.parse(m.Body).id).sort();
      expect(starts).toHaveLength(1);
      expect(ends).toHaveLength(1);
      expect([...starts[0].eventIds].sort()).toEqual(eventIds);
      expect(ends[0]).toMatchObject({ exitCode: 0, runId: starts[0].runId });
      const applied = lines.filter((l) => l.event === 'change.applied').map((l) => l.accountId);
      expect(applied.sort()).toEqual(
        [newAccountId, org.accounts.moved, org.accounts.edited, org.accounts.joined, org.accounts.factory]
          .concat([org.accounts['factory-updated'], org.accounts.member])
          .sort(),
      );
    });

    it('forwards a member account’s own contact edit, and not the enforcer’s, with member-forwarding.yaml', async () => {
      const member = credentialsEnv(
        moto.endpoint,
        await assumeRoleCredentials(moto.endpoint, org.accounts.member!),
      );
      const asMember = {
        AWS_ACCESS_KEY_ID: member.AWS_ACCESS_KEY_ID!,
        AWS_SECRET_ACCESS_KEY: member.AWS_SECRET_ACCESS_KEY!,
        AWS_SESSION_TOKEN: member.AWS_SESSION_TOKEN!,
      };
      await awsIn(
        TEST_REGION,
        [
          'cloudformation',
          'create-stack',
          '--stack-name',
          'enforce-member-forwarding',
          '--template-body',
          readFileSync(MEMBER_FORWARDING, 'utf8'),
          '--capabilities',
          'CAPABILITY_IAM',
          '--parameters',
          `ParameterKey=EnforcerAccountId,ParameterValue=${org.managementAccountId}`,
          `ParameterKey=EnforcerRoleName,ParameterValue=${outputs.EnforcerRoleName}`,
        ],
        asMember,
      );
      // The events below are put on the member's own bus: only the forwarding rule can bring them here.
      const caller = (await awsIn(TEST_REGION, ['sts', 'get-caller-identity'], asMember)) as {
        Account: string;
      };
      expect(caller.Account).toBe(org.accounts.member);
      const edit = fixture('delete-alternate-contact-member');
      const own = fixture('put-alternate-contact-by-enforcer');
      await putEvents(TEST_REGION, [edit, own], asMember);
      const messages = await drainQueue();
      expect(eventIdsOf(messages)).toEqual([(edit.detail as { eventID: string }).eventID]);
    });

    it('forwards Account Factory events from the Control Tower home region with control-tower-home-region.yaml', async () => {
      await awsIn('eu-west-1', [
        'cloudformation',
        'create-stack',
        '--stack-name',
        'enforce-control-tower',
        '--template-body',
        readFileSync(CONTROL_TOWER_HOME, 'utf8'),
        '--capabilities',
        'CAPABILITY_IAM',
      ]);
      const created = fixture('controltower-create-managed-account');
      const failed = fixture('controltower-create-managed-account-failed');
      await putEvents('eu-west-1', [created, failed]);
      const messages = await drainQueue();
      expect(eventIdsOf(messages)).toEqual([(created.detail as { eventID: string }).eventID]);
    });

    it('runs the packaged zip under plain node with no node_modules', async () => {
      const unpacked = await makeTempDir('enforce-lambda-zip-');
      try {
        await run('unzip', ['-q', join(dir, 'enforce-lambda.zip'), '-d', unpacked]);
        expect(readdirSync(unpacked).sort()).toEqual(['contacts.yaml', 'handler.mjs']);
        const created = await organizations.send(
          new CreateAccountCommand({ AccountName: 'zip-new', Email: 'aws+zip-new@example.com' }),
        );
        const zipAccount = created.CreateAccountStatus!.AccountId!;
        const event = JSON.parse(
          readFileSync(join(FIXTURES, 'create-account-result-succeeded.json'), 'utf8').replaceAll(
            '222222222222',
            zipAccount,
          ),
        );
        const script = `import('./handler.mjs').then(async ({ handler }) => {
        const result = await handler(JSON.parse(process.env.EVENT), { getRemainingTimeInMillis: () => 60000 });
        process.stderr.write(JSON.stringify(result));
      });`;
        const { stdout, stderr } = await run(process.execPath, ['-e', script], {
          cwd: unpacked,
          timeout: 45_000,
          env: {
            PATH: process.env.PATH ?? '',
            AWS_ENDPOINT_URL: proxy.endpoint,
            AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
            AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
            AWS_REGION: TEST_REGION,
            AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
            EVENT: JSON.stringify({ Records: [{ messageId: 'zip-1', body: JSON.stringify(event) }] }),
          },
        });
        expect(JSON.parse(stderr)).toEqual({ batchItemFailures: [] });
        const lines = stdout
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l));
        // The packaged policy (no ENFORCE_POLICY_FILE) and the version stamped in at bundle time.
        expect(lines.find((l) => l.event === 'run.start')).toMatchObject({
          policyFile: join(unpacked, 'contacts.yaml'),
          toolVersion: expect.stringMatching(/^\d+\.\d+\.\d+/),
        });
        expect(lines.filter((l) => l.event === 'change.applied').map((l) => l.accountId)).toEqual([
          zipAccount,
        ]);
        expect(await securityContact(zipAccount)).toBe(SECURITY.email);
      } finally {
        await removeDir(unpacked);
      }
    });
  },
);
