// An HTTP proxy on 127.0.0.1 in front of moto that adds what AWS does and moto does not: throttling with the
// published quotas, the Account API's authorization rules, field validation, and reproducible faults. Errors are
// sent in each service's own wire shape, so the AWS SDK turns them into the same exceptions as AWS's would.
//
// Imported by vitest tests and by `npx tsx` scripts: no vitest here. node:http only.
//
// Faults are reproducible: whether a request is dropped or fails is drawn from a PRNG seeded with
// (seed, operation, target account, contact type, how many such requests came before). The same run against a
// fresh proxy therefore meets the same faults even when the client works on many accounts concurrently.

import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { Socket } from 'node:net';

// --- public API -------------------------------------------------------------------------------------------

export interface Quota {
  /** Tokens added per second. */
  perSecond: number;
  /** Bucket size: requests that can go through at once after a quiet period. */
  burst: number;
}

export interface ThrottleOptions {
  enabled: boolean;
  /** Multiplies every rate and burst, so tests can run at ×10 speed (default 1 = AWS's real numbers). */
  timeScale?: number;
  /** Per operation name (`GetAlternateContact`, `ListAccounts`, …); merged over DEFAULT_QUOTAS. */
  quotas?: Record<string, Quota>;
}

export type FaultKind = 'throttle' | 'drop' | 'internal' | 'accessDenied';

/** A fault for the next matching request(s), whatever the seed: for tests that need exactly one throttle. */
export interface ScriptedFault {
  fault: FaultKind;
  /** Operation name; absent = any operation. */
  operation?: string;
  /** Account API target (AccountId, or the caller when absent); absent = any. */
  accountId?: string;
  /** How many matching requests get the fault (default 1). */
  times?: number;
}

export interface ProxyOptions {
  /** moto's endpoint, `http://127.0.0.1:PORT`. */
  target: string;
  throttle?: ThrottleOptions;
  /** Enables AWS's rule that the management account can't name itself in AccountId (403). */
  managementAccountId?: string;
  /** false: Account API calls with an AccountId get 403 as when trusted access is not enabled. */
  trustedAccess?: boolean;
  /** Check Account API input against the API's limits, as AWS does (moto stores anything). */
  validate?: boolean;
  /** PRNG seed for dropRate and internalErrorRate (default 1). */
  seed?: number;
  /** Probability of HTTP 500 in the service's own shape. */
  internalErrorRate?: number;
  /** Probability that the connection is destroyed without an answer. */
  dropRate?: number;
  /** Added before forwarding each request the faults apply to. */
  latencyMs?: number;
  /** Operations the random faults and latency apply to; absent = all. */
  faultOperations?: string[];
  /** Account API calls targeting these accounts get 403 (an explicit deny in an SCP). */
  accessDeniedAccounts?: string[];
  /** PutAlternateContact for these accounts fails with 500 and is not forwarded (the write fails). */
  failPutFor?: string[];
  /**
   * GetAlternateContact for these accounts fails with 500 once a Put for the same account and type has gone
   * through this proxy (the write succeeds, the read-back fails).
   */
  failReadBackFor?: string[];
  /** PutAlternateContact for these accounts is applied by moto, then the connection is dropped (lost answer). */
  losePutResponseFor?: string[];
  scriptedFaults?: ScriptedFault[];
  /** Clock for the token buckets, in milliseconds (default performance.now): tests can stop time. */
  now?: () => number;
  /**
   * The calling account, for the ledger and error messages. Default: asked from moto (STS GetCallerIdentity with
   * the request's access key), which knows assumed-role keys.
   */
  callerAccountId?: string;
}

export interface LedgerEntry {
  seq: number;
  /** Epoch milliseconds when moto answered. */
  time: number;
  /** AccountId from the body, or the caller's account when absent. */
  accountId: string;
  type: string;
  name: string;
  title: string;
  email: string;
  phone: string;
  hadAccountId: boolean;
}

export interface OperationStats {
  received: number;
  forwarded: number;
  throttled: number;
  /** Injected: drops, 500s, SCP denials, scripted and targeted failures. */
  faulted: number;
  /** Refused by an AWS rule: management-account, trusted-access or validation. */
  rejected: number;
}

export type ProxyStats = Record<string, OperationStats>;

export interface AwsProxy {
  /** `http://127.0.0.1:PORT`: use as AWS_ENDPOINT_URL. */
  endpoint: string;
  stop(): Promise<void>;
  /** Changes options from now on; `throttle` or `now` refill the buckets, `seed` restarts the fault sequence. */
  configure(partial: Partial<ProxyOptions>): void;
  /** PutAlternateContact calls that moto applied, in order. */
  ledger: LedgerEntry[];
  stats(): ProxyStats;
  /** Back to the options given at start; empties ledger, stats, buckets, scripted faults and the fault sequence. */
  reset(): void;
}

/**
 * AWS Account Management publishes its quotas (accounts/latest/reference/quotas.html). Organizations publishes
 * none per operation; it throttles at a few requests per second, so 5/s with a burst of 10 is assumed. SSM's
 * default throughput for GetParameters is 40/s.
 */
export const DEFAULT_QUOTAS: Readonly<Record<string, Quota>> = {
  GetAlternateContact: { perSecond: 10, burst: 15 },
  PutAlternateContact: { perSecond: 5, burst: 8 },
  DeleteAlternateContact: { perSecond: 1, burst: 6 },
  GetParameters: { perSecond: 40, burst: 40 },
  GetParameter: { perSecond: 40, burst: 40 },
};
export const DEFAULT_ORGANIZATIONS_QUOTA: Readonly<Quota> = { perSecond: 5, burst: 10 };

export async function startAwsProxy(options: ProxyOptions): Promise<AwsProxy> {
  const proxy = new FaultProxy(options);
  await proxy.listen();
  return {
    endpoint: proxy.endpoint,
    ledger: proxy.ledger,
    stop: () => proxy.stop(),
    configure: (partial) => proxy.configure(partial),
    stats: () => proxy.snapshotStats(),
    reset: () => proxy.reset(),
  };
}

// --- wire shapes ------------------------------------------------------------------------------------------

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Account API, restJson1: the error type travels in a header, the body has a lower-case `message`. */
function accountError(status: number, type: string, message: string, extra: object = {}): Reply {
  return {
    status,
    headers: { 'content-type': 'application/json', 'x-amzn-errortype': type },
    body: JSON.stringify({ message, ...extra }),
  };
}

/** awsJson1_1 (Organizations uses `Message`, SSM `message`). */
function jsonError(status: number, type: string, messageKey: string, message: string): Reply {
  return {
    status,
    headers: { 'content-type': 'application/x-amz-json-1.1' },
    body: JSON.stringify({ __type: type, [messageKey]: message }),
  };
}

/** STS, query protocol: XML. */
function queryError(status: number, code: string, message: string): Reply {
  return {
    status,
    headers: { 'content-type': 'text/xml' },
    body:
      '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>' +
      (status >= 500 ? 'Receiver' : 'Sender') +
      `</Type><Code>${code}</Code><Message>${message}</Message></Error>` +
      `<RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
  };
}

function throttleReply(service: string): Reply {
  switch (service) {
    case 'account':
      return accountError(429, 'TooManyRequestsException', 'Rate exceeded');
    case 'organizations':
      return jsonError(
        400,
        'TooManyRequestsException',
        'Message',
        "AWS Organizations can't complete your request because another request is already in progress. Try again later.",
      );
    case 'sts':
      return queryError(400, 'Throttling', 'Rate exceeded');
    default:
      return jsonError(400, 'ThrottlingException', 'message', 'Rate exceeded');
  }
}

function internalErrorReply(service: string): Reply {
  switch (service) {
    case 'account':
      return accountError(500, 'InternalServerException', 'An internal error occurred. Try again later.');
    case 'organizations':
      return jsonError(
        500,
        'ServiceException',
        'Message',
        "AWS Organizations can't complete your request because it encountered an internal error. Try again later.",
      );
    case 'sts':
      return queryError(500, 'InternalFailure', 'An internal error occurred.');
    default:
      return jsonError(500, 'InternalServerError', 'message', 'An internal error occurred.');
  }
}

function accessDenied(callerArn: string, operation: string, reason: string): Reply {
  return accountError(
    403,
    'AccessDeniedException',
    `User: ${callerArn} is not authorized to perform: account:${operation} ${reason}`,
  );
}

// --- Account API validation (botocore 1.43.11 account model) -----------------------------------------------

const CONTACT_TYPES = ['SECURITY', 'OPERATIONS', 'BILLING'];
const CONTACT_FIELDS: ReadonlyArray<{ name: string; max: number; pattern?: RegExp }> = [
  { name: 'Name', max: 64 },
  { name: 'Title', max: 50 },
  { name: 'EmailAddress', max: 254, pattern: /^[\s]*[\w+=.#|!&-]+@[\w.-]+\.[\w]+[\s]*$/ },
  { name: 'PhoneNumber', max: 25, pattern: /^[\s0-9()+-]+$/ },
];

function validationErrors(
  operation: string,
  input: Record<string, unknown>,
): { name: string; message: string }[] {
  const errors: { name: string; message: string }[] = [];
  const accountId = input.AccountId;
  if (accountId !== undefined && !(typeof accountId === 'string' && /^\d{12}$/.test(accountId))) {
    errors.push({ name: 'AccountId', message: 'The value must be a 12-digit account ID.' });
  }
  if (/AlternateContact$/.test(operation) && !CONTACT_TYPES.includes(String(input.AlternateContactType))) {
    errors.push({
      name: 'AlternateContactType',
      message: `The value must be one of ${CONTACT_TYPES.join(', ')}.`,
    });
  }
  if (operation === 'PutAlternateContact') {
    for (const field of CONTACT_FIELDS) {
      const value = input[field.name];
      if (typeof value !== 'string' || value.length < 1 || value.length > field.max) {
        errors.push({
          name: field.name,
          message: `The value must be between 1 and ${field.max} characters long.`,
        });
      } else if (field.pattern && !field.pattern.test(value)) {
        errors.push({ name: field.name, message: 'The value does not match the required pattern.' });
      }
    }
  }
  return errors;
}

// --- reproducible randomness ------------------------------------------------------------------------------

function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

class TokenBucket {
  private tokens: number;
  private last: number;
  constructor(
    private readonly quota: Quota,
    private readonly now: () => number,
  ) {
    this.tokens = quota.burst;
    this.last = now();
  }
  take(): boolean {
    const now = this.now();
    this.tokens = Math.min(this.quota.burst, this.tokens + ((now - this.last) / 1000) * this.quota.perSecond);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

// --- the proxy --------------------------------------------------------------------------------------------

interface Call {
  service: string;
  operation: string;
  accessKeyId: string | undefined;
  /** Account API body. */
  input: Record<string, unknown> | undefined;
}

interface Caller {
  accountId: string;
  arn: string;
}

const MAX_BODY_BYTES = 5 * 1024 * 1024;
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'expect',
]);
const DEFAULT_CALLER_ACCOUNT = '123456789012';

class FaultProxy {
  readonly ledger: LedgerEntry[] = [];
  endpoint = '';
  private options: ProxyOptions;
  private stats: ProxyStats = {};
  private buckets = new Map<string, TokenBucket>();
  private faultCounters = new Map<string, number>();
  private scripted: ScriptedFault[] = [];
  private callers = new Map<string, Promise<Caller>>();
  private readonly sockets = new Set<Socket>();
  /** Pending latency sleeps: stop() ends them at once (the request is then dropped). */
  private readonly sleeps = new Map<NodeJS.Timeout, () => void>();
  private readonly server: http.Server;
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  private readonly target: URL;
  private stopped: Promise<void> | undefined;

  constructor(private readonly initial: ProxyOptions) {
    this.options = { ...initial };
    this.target = new URL(initial.target);
    this.scripted = cloneScripted(initial.scriptedFaults);
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) {
          res.writeHead(502, { 'content-type': 'text/plain' });
          res.end(`aws-proxy: ${String(error)}`);
        } else {
          res.destroy();
        }
      });
    });
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => {
        const address = this.server.address();
        if (address === null || typeof address === 'string') {
          reject(new Error('aws-proxy has no port'));
          return;
        }
        this.endpoint = `http://127.0.0.1:${address.port}`;
        resolve();
      });
    });
  }

  stop(): Promise<void> {
    this.stopped ??= new Promise<void>((resolve) => {
      for (const [timer, wake] of this.sleeps) {
        clearTimeout(timer);
        wake();
      }
      this.sleeps.clear();
      this.server.close(() => resolve());
      for (const socket of this.sockets) socket.destroy();
      this.agent.destroy();
    });
    return this.stopped;
  }

  configure(partial: Partial<ProxyOptions>): void {
    this.options = { ...this.options, ...partial };
    if ('throttle' in partial || 'now' in partial) this.buckets.clear();
    if ('seed' in partial) this.faultCounters.clear();
    if ('scriptedFaults' in partial) this.scripted = cloneScripted(partial.scriptedFaults);
    if ('callerAccountId' in partial) this.callers.clear();
  }

  reset(): void {
    this.options = { ...this.initial };
    this.ledger.length = 0;
    this.stats = {};
    this.buckets.clear();
    this.faultCounters.clear();
    this.callers.clear();
    this.scripted = cloneScripted(this.initial.scriptedFaults);
  }

  snapshotStats(): ProxyStats {
    return structuredClone(this.stats);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const body = await readBody(req);
    if (body === undefined) {
      res.writeHead(413).end();
      return;
    }
    const call = identify(req, body);
    const stats = this.statsFor(call.operation);
    stats.received++;
    const options = this.options;

    // Throttling comes first, as at AWS's front door, and at arrival time, before any lookup below.
    if (options.throttle?.enabled && !this.bucketFor(call).take()) {
      stats.throttled++;
      return send(res, throttleReply(call.service));
    }

    const bodyAccountId = typeof call.input?.AccountId === 'string' ? call.input.AccountId : undefined;
    const caller = call.service === 'account' ? await this.callerOf(call.accessKeyId) : undefined;
    const targetAccount = bodyAccountId ?? caller?.accountId;
    const contactType =
      typeof call.input?.AlternateContactType === 'string' ? call.input.AlternateContactType : undefined;

    const scripted = this.takeScripted(call.operation, targetAccount);
    if (scripted !== undefined) {
      stats.faulted++;
      if (scripted === 'drop') return drop(req);
      if (scripted === 'throttle') return send(res, throttleReply(call.service));
      if (scripted === 'internal') return send(res, internalErrorReply(call.service));
      return send(res, this.scpDenied(call, caller, targetAccount));
    }

    if (call.service === 'account' && call.input !== undefined) {
      const refusal = this.checkAccountRules(call, call.input, caller, bodyAccountId);
      if (refusal !== undefined) {
        stats.rejected++;
        return send(res, refusal);
      }
      if (targetAccount !== undefined && options.accessDeniedAccounts?.includes(targetAccount)) {
        stats.faulted++;
        return send(res, this.scpDenied(call, caller, targetAccount));
      }
    }

    const faultable =
      options.faultOperations === undefined || options.faultOperations.includes(call.operation);
    if (faultable) {
      const random = mulberry32(this.nextFaultSeed(call, targetAccount, contactType));
      const dropDraw = random();
      const errorDraw = random();
      if (dropDraw < (options.dropRate ?? 0)) {
        stats.faulted++;
        return drop(req);
      }
      if (errorDraw < (options.internalErrorRate ?? 0)) {
        stats.faulted++;
        return send(res, internalErrorReply(call.service));
      }
    }

    if (targetAccount !== undefined) {
      const failsWrite =
        call.operation === 'PutAlternateContact' && options.failPutFor?.includes(targetAccount);
      const failsReadBack =
        call.operation === 'GetAlternateContact' &&
        options.failReadBackFor?.includes(targetAccount) &&
        this.ledger.some((entry) => entry.accountId === targetAccount && entry.type === contactType);
      if (failsWrite || failsReadBack) {
        stats.faulted++;
        return send(res, internalErrorReply(call.service));
      }
    }

    if (faultable && (options.latencyMs ?? 0) > 0) await this.sleep(options.latencyMs ?? 0);
    if (this.stopped) return drop(req);

    stats.forwarded++;
    const losesAnswer =
      call.operation === 'PutAlternateContact' &&
      targetAccount !== undefined &&
      (options.losePutResponseFor?.includes(targetAccount) ?? false);
    if (losesAnswer) stats.faulted++;
    await this.forward(req, res, body, (status) => {
      if (call.operation === 'PutAlternateContact' && status >= 200 && status < 300 && call.input) {
        this.record(call.input, bodyAccountId, caller);
      }
      return losesAnswer;
    });
  }

  private checkAccountRules(
    call: Call,
    input: Record<string, unknown>,
    caller: Caller | undefined,
    bodyAccountId: string | undefined,
  ): Reply | undefined {
    const options = this.options;
    const callerArn = arnOf(caller);
    if (options.validate) {
      const fieldList = validationErrors(call.operation, input);
      if (fieldList.length > 0) {
        return accountError(400, 'ValidationException', 'Invalid input', {
          reason: 'fieldValidationFailed',
          fieldList,
        });
      }
    }
    if (bodyAccountId === undefined) return undefined;
    if (options.managementAccountId !== undefined && bodyAccountId === options.managementAccountId) {
      return accessDenied(
        callerArn,
        call.operation,
        '(The management account can only be managed using the standalone context from the management account.)',
      );
    }
    if (options.trustedAccess === false) {
      return accessDenied(
        callerArn,
        call.operation,
        '(Your organization must first enable trusted access with AWS Account Management.)',
      );
    }
    return undefined;
  }

  private scpDenied(call: Call, caller: Caller | undefined, targetAccount: string | undefined): Reply {
    const callerArn = arnOf(caller);
    const resource = `arn:aws:account::${caller?.accountId ?? DEFAULT_CALLER_ACCOUNT}:account/${targetAccount ?? ''}`;
    return accessDenied(
      callerArn,
      call.operation,
      `on resource: ${resource} with an explicit deny in a service control policy`,
    );
  }

  private record(
    input: Record<string, unknown>,
    bodyAccountId: string | undefined,
    caller: Caller | undefined,
  ) {
    const text = (key: string) => (typeof input[key] === 'string' ? (input[key] as string) : '');
    this.ledger.push({
      seq: this.ledger.length + 1,
      time: Date.now(),
      accountId: bodyAccountId ?? caller?.accountId ?? DEFAULT_CALLER_ACCOUNT,
      type: text('AlternateContactType'),
      name: text('Name'),
      title: text('Title'),
      email: text('EmailAddress'),
      phone: text('PhoneNumber'),
      hadAccountId: bodyAccountId !== undefined,
    });
  }

  private forward(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    body: Buffer,
    onStatus: (status: number) => boolean,
  ): Promise<void> {
    return new Promise((resolve) => {
      // The body was read whole, so it goes on with a plain content-length whatever framing the client used.
      const headers = withoutHopByHop(req.rawHeaders, ['content-length']);
      headers.push('content-length', String(body.length));
      const upstream = http.request({
        host: this.target.hostname,
        port: this.target.port,
        method: req.method,
        path: req.url,
        headers,
        agent: this.agent,
      });
      upstream.on('response', (answer) => {
        const status = answer.statusCode ?? 502;
        const loseAnswer = onStatus(status);
        if (loseAnswer) {
          answer.resume();
          answer.once('end', () => {
            drop(req);
            resolve();
          });
          return;
        }
        res.writeHead(status, answer.statusMessage, withoutHopByHop(answer.rawHeaders));
        answer.pipe(res);
        answer.once('end', resolve);
        answer.once('error', () => {
          res.destroy();
          resolve();
        });
      });
      upstream.on('error', (error) => {
        if (!res.headersSent) {
          res.writeHead(502, { 'content-type': 'text/plain' });
          res.end(`aws-proxy: moto did not answer: ${error.message}`);
        } else {
          res.destroy();
        }
        resolve();
      });
      upstream.end(body);
    });
  }

  private statsFor(operation: string): OperationStats {
    let stats = this.stats[operation];
    if (stats === undefined) {
      stats = { received: 0, forwarded: 0, throttled: 0, faulted: 0, rejected: 0 };
      this.stats[operation] = stats;
    }
    return stats;
  }

  private bucketFor(call: Call): { take(): boolean } {
    const throttle = this.options.throttle;
    const quota =
      throttle?.quotas?.[call.operation] ??
      DEFAULT_QUOTAS[call.operation] ??
      (call.service === 'organizations' ? DEFAULT_ORGANIZATIONS_QUOTA : undefined);
    if (quota === undefined) return { take: () => true };
    let bucket = this.buckets.get(call.operation);
    if (bucket === undefined) {
      const scale = throttle?.timeScale ?? 1;
      const now = this.options.now ?? (() => performance.now());
      bucket = new TokenBucket({ perSecond: quota.perSecond * scale, burst: quota.burst * scale }, now);
      this.buckets.set(call.operation, bucket);
    }
    return bucket;
  }

  private nextFaultSeed(
    call: Call,
    targetAccount: string | undefined,
    contactType: string | undefined,
  ): number {
    const key = `${call.operation}|${targetAccount ?? call.accessKeyId ?? ''}|${contactType ?? ''}`;
    const count = this.faultCounters.get(key) ?? 0;
    this.faultCounters.set(key, count + 1);
    return fnv1a(`${this.options.seed ?? 1}|${key}|${count}`);
  }

  private takeScripted(operation: string, targetAccount: string | undefined): FaultKind | undefined {
    const index = this.scripted.findIndex(
      (fault) =>
        (fault.operation === undefined || fault.operation === operation) &&
        (fault.accountId === undefined || fault.accountId === targetAccount),
    );
    const fault = this.scripted[index];
    if (fault === undefined) return undefined;
    fault.times = (fault.times ?? 1) - 1;
    if (fault.times <= 0) this.scripted.splice(index, 1);
    return fault.fault;
  }

  private callerOf(accessKeyId: string | undefined): Promise<Caller> {
    const fixed = this.options.callerAccountId;
    if (fixed !== undefined) {
      return Promise.resolve({ accountId: fixed, arn: `arn:aws:sts::${fixed}:assumed-role/enforce/enforce` });
    }
    const key = accessKeyId ?? '';
    let caller = this.callers.get(key);
    if (caller === undefined) {
      caller = this.askMotoForCaller(key);
      this.callers.set(key, caller);
    }
    return caller;
  }

  /** moto does not check signatures, so the request's access key alone tells it who is calling. */
  private askMotoForCaller(accessKeyId: string): Promise<Caller> {
    const fallback: Caller = {
      accountId: DEFAULT_CALLER_ACCOUNT,
      arn: `arn:aws:sts::${DEFAULT_CALLER_ACCOUNT}:user/moto`,
    };
    const body = 'Action=GetCallerIdentity&Version=2011-06-15';
    return new Promise((resolve) => {
      const request = http.request(
        {
          host: this.target.hostname,
          port: this.target.port,
          method: 'POST',
          path: '/',
          agent: this.agent,
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
            resolve(accountId && arn ? { accountId, arn } : fallback);
          });
          answer.once('error', () => resolve(fallback));
        },
      );
      request.once('timeout', () => request.destroy());
      request.once('error', () => resolve(fallback));
      request.end(body);
    });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.sleeps.delete(timer);
        resolve();
      }, ms);
      this.sleeps.set(timer, resolve);
    });
  }
}

// --- request helpers --------------------------------------------------------------------------------------

function readBody(req: http.IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        req.removeAllListeners('data');
        req.resume();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

/** Service from the SigV4 credential scope; operation from X-Amz-Target, the REST path, or `Action=`. */
function identify(req: http.IncomingMessage, body: Buffer): Call {
  const url = new URL(req.url ?? '/', 'http://proxy.invalid');
  const authorization = req.headers.authorization ?? '';
  const credential =
    /Credential=([^/,\s]+)\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(authorization) ??
    /^([^/]+)\/\d{8}\/[^/]+\/([^/]+)\/aws4_request$/.exec(url.searchParams.get('X-Amz-Credential') ?? '');
  const accessKeyId = credential?.[1];
  const service = credential?.[2] ?? 'unknown';

  const target = req.headers['x-amz-target'];
  if (typeof target === 'string' && target.includes('.')) {
    return { service, operation: target.slice(target.lastIndexOf('.') + 1), accessKeyId, input: undefined };
  }
  if (service === 'account') {
    const name = url.pathname.replace(/^\//, '');
    const operation = name.charAt(0).toUpperCase() + name.slice(1);
    return { service, operation, accessKeyId, input: parseJsonObject(body) };
  }
  const contentType = req.headers['content-type'] ?? '';
  const form = contentType.includes('x-www-form-urlencoded')
    ? new URLSearchParams(body.toString('utf8'))
    : new URLSearchParams();
  const action = form.get('Action') ?? url.searchParams.get('Action');
  return { service, operation: action ?? `${req.method} ${url.pathname}`, accessKeyId, input: undefined };
}

function parseJsonObject(body: Buffer): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(body.toString('utf8') || '{}');
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function withoutHopByHop(raw: string[], alsoDrop: string[] = []): string[] {
  const kept: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || alsoDrop.includes(lower)) continue;
    kept.push(name, raw[i + 1]!);
  }
  return kept;
}

function send(res: http.ServerResponse, reply: Reply): void {
  const body = Buffer.from(reply.body, 'utf8');
  res.writeHead(reply.status, {
    ...reply.headers,
    'x-amzn-requestid': randomUUID(),
    'content-length': String(body.length),
  });
  res.end(body);
}

/** Like a connection reset by a load balancer: no status, no body. */
function drop(req: http.IncomingMessage): void {
  req.socket.destroy();
}

function arnOf(caller: Caller | undefined): string {
  return caller?.arn ?? `arn:aws:sts::${DEFAULT_CALLER_ACCOUNT}:user/moto`;
}

function cloneScripted(faults: ScriptedFault[] | undefined): ScriptedFault[] {
  return (faults ?? []).map((fault) => ({ ...fault }));
}
