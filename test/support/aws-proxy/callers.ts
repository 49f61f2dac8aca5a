// Who is calling: the account each set of credentials belongs to, for per-caller quotas, the ledger and the
// ARN in AccessDenied messages.
//
// In order: credentials this proxy saw STS hand out (AssumeRole answers it forwarded: AccessKeyId → the
// assumed role's account); the fixed `callerAccountId` option; otherwise moto is asked once per access key
// (STS GetCallerIdentity; moto does not check signatures, so the key alone tells it who is calling).

import http from 'node:http';

export interface Caller {
  accountId: string;
  arn: string;
}

export const DEFAULT_CALLER_ACCOUNT = '123456789012';
export const DEFAULT_CALLER: Caller = {
  accountId: DEFAULT_CALLER_ACCOUNT,
  arn: `arn:aws:sts::${DEFAULT_CALLER_ACCOUNT}:user/moto`,
};

export class CallerRegistry {
  /** Learned from AssumeRole answers: facts about moto's state, so they survive reset(). */
  private readonly assumed = new Map<string, Caller>();
  private readonly asked = new Map<string, Promise<Caller>>();
  fixedAccountId: string | undefined;

  constructor(
    private readonly target: URL,
    private readonly agent: http.Agent,
  ) {}

  /** Synchronous when the caller is known, so a request's token is taken at its arrival. */
  resolve(accessKeyId: string | undefined): Caller | Promise<Caller> {
    const key = accessKeyId ?? '';
    const assumed = this.assumed.get(key);
    if (assumed !== undefined) return assumed;
    const fixed = this.fixedAccountId;
    if (fixed !== undefined) {
      return { accountId: fixed, arn: `arn:aws:sts::${fixed}:assumed-role/enforce/enforce` };
    }
    let asked = this.asked.get(key);
    if (asked === undefined) {
      asked = askMotoForCaller(this.target, this.agent, key);
      this.asked.set(key, asked);
    }
    return asked;
  }

  /** Records the credentials in a forwarded AssumeRole answer; returns them (undefined if none). */
  learnFromAssumeRole(xml: string): (Caller & { accessKeyId: string }) | undefined {
    const learned = parseAssumeRoleAnswer(xml);
    if (learned !== undefined) {
      this.assumed.set(learned.accessKeyId, { accountId: learned.accountId, arn: learned.arn });
    }
    return learned;
  }

  forgetLookups(): void {
    this.asked.clear();
  }
}

/** `<AccessKeyId>` and the assumed-role `<Arn>` (arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION). */
export function parseAssumeRoleAnswer(xml: string): (Caller & { accessKeyId: string }) | undefined {
  const accessKeyId = /<AccessKeyId>([^<]+)<\/AccessKeyId>/.exec(xml)?.[1];
  const arn = /<Arn>(arn:[^:<]+:sts::(\d{12}):assumed-role\/[^<]+)<\/Arn>/.exec(xml);
  if (accessKeyId === undefined || arn === null) return undefined;
  return { accessKeyId, arn: arn[1]!, accountId: arn[2]! };
}

/** The 12-digit account of `arn:aws:iam::ACCOUNT:role/NAME`, or undefined. */
export function accountOfRoleArn(roleArn: string): string | undefined {
  return /^arn:[^:]+:iam::(\d{12}):role\//.exec(roleArn)?.[1];
}

function askMotoForCaller(target: URL, agent: http.Agent, accessKeyId: string): Promise<Caller> {
  const body = 'Action=GetCallerIdentity&Version=2011-06-15';
  return new Promise((resolve) => {
    const request = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: 'POST',
        path: '/',
        agent,
        timeout: 5_000,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': String(Buffer.byteLength(body)),
          authorization:
            `AWS4-HMAC-SHA256 Credential=${accessKeyId || 'testing'}/20240101/us-east-1/sts/aws4_request, ` +
            'SignedHeaders=host, Signature=0',
        },
      },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.once('end', () => {
          const xml = Buffer.concat(chunks).toString('utf8');
          const accountId = /<Account>(\d{12})<\/Account>/.exec(xml)?.[1];
          const arn = /<Arn>([^<]+)<\/Arn>/.exec(xml)?.[1];
          resolve(accountId && arn ? { accountId, arn } : DEFAULT_CALLER);
        });
        answer.once('error', () => resolve(DEFAULT_CALLER));
      },
    );
    request.once('timeout', () => request.destroy());
    request.once('error', () => resolve(DEFAULT_CALLER));
    request.end(body);
  });
}
