// The proxy itself: per request, in AWS's order — throttling at the front door (per calling account and
// operation), injected faults, the Account API's and STS's rules, then moto, or the proxy's own answer for
// what moto lacks (the primary contact, DeleteAlternateContact of a missing contact).
//
// Faults are reproducible: whether a request is dropped or fails is drawn from a PRNG seeded with
// (seed, operation, target account, contact type, how many such requests came before). The same run against a
// fresh proxy therefore meets the same faults even when the client works on many accounts concurrently.

import http from 'node:http';
import type { Socket } from 'node:net';
import {
  DEFAULT_ORGANIZATIONS_QUOTA,
  DEFAULT_QUOTAS,
  fnv1a,
  mulberry32,
  type Quota,
  TokenBucket,
} from './buckets.js';
import { accountOfRoleArn, type Caller, CallerRegistry, DEFAULT_CALLER_ACCOUNT } from './callers.js';
import {
  type ContactInformationStore,
  getContactInformation,
  putContactInformation,
} from './contact-information.js';
import { type Call, identify, readBody, withoutHopByHop } from './request.js';
import type {
  AssumeRoleEntry,
  FaultKind,
  LedgerEntry,
  LedgerOperation,
  OperationStats,
  ProxyOptions,
  ProxyStats,
  ScriptedFault,
} from './types.js';
import { accountInputProblems, isObject } from './validation.js';
import {
  accountAccessDenied,
  accountError,
  assumeRoleDenied,
  drop,
  internalErrorReply,
  type Reply,
  send,
  throttleReply,
} from './wire.js';

const WRITES: readonly string[] = ['PutAlternateContact', 'DeleteAlternateContact', 'PutContactInformation'];
const READS: readonly string[] = ['GetAlternateContact', 'GetContactInformation'];
const PRIMARY = 'PRIMARY';

/** One request on its way through the proxy. */
interface Request {
  call: Call;
  caller: Caller;
  /** AccountId from an Account API body. */
  bodyAccountId: string | undefined;
  /** Account API: AccountId or the caller's account; AssumeRole: the role's account. */
  targetAccount: string | undefined;
  /** Alternate contact type, PRIMARY for the contact information. */
  contactType: string | undefined;
  count(kind: keyof OperationStats): void;
}

export class FaultProxy {
  readonly ledger: LedgerEntry[] = [];
  readonly assumeRoles: AssumeRoleEntry[] = [];
  readonly contactInformation: ContactInformationStore = new Map();
  endpoint = '';
  private options: ProxyOptions;
  private stats: ProxyStats = {};
  private callerStats: Record<string, ProxyStats> = {};
  private buckets = new Map<string, TokenBucket>();
  private faultCounters = new Map<string, number>();
  private scripted: ScriptedFault[] = [];
  private readonly callers: CallerRegistry;
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
    this.callers = new CallerRegistry(this.target, this.agent);
    this.callers.fixedAccountId = initial.callerAccountId;
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
    if ('callerAccountId' in partial) {
      this.callers.fixedAccountId = partial.callerAccountId;
      this.callers.forgetLookups();
    }
  }

  reset(): void {
    this.options = { ...this.initial };
    this.ledger.length = 0;
    this.assumeRoles.length = 0;
    this.stats = {};
    this.callerStats = {};
    this.buckets.clear();
    this.faultCounters.clear();
    this.callers.fixedAccountId = this.initial.callerAccountId;
    this.callers.forgetLookups();
    this.scripted = cloneScripted(this.initial.scriptedFaults);
  }

  snapshotStats(): ProxyStats {
    return structuredClone(this.stats);
  }

  snapshotCallerStats(): Record<string, ProxyStats> {
    return structuredClone(this.callerStats);
  }

  tokens(callerAccountId: string, operation: string): number | undefined {
    const throttle = this.options.throttle;
    if (!throttle?.enabled) return undefined;
    const bucket = this.buckets.get(bucketKey(callerAccountId, operation));
    if (bucket !== undefined) return bucket.available(this.clock());
    const quota = throttle.quotas?.[operation] ?? DEFAULT_QUOTAS[operation];
    return quota === undefined ? undefined : Math.floor(quota.burst * (throttle.timeScale ?? 1));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const body = await readBody(req);
    if (body === undefined) {
      res.writeHead(413).end();
      return;
    }
    const call = identify(req, body);
    const arrival = this.clock();
    const known = this.callers.resolve(call.accessKeyId);
    const caller = known instanceof Promise ? await known : known;
    const request = this.describe(call, caller);
    request.count('received');
    const options = this.options;

    // Throttling comes first, as at AWS's front door, with the token taken at arrival time.
    if (options.throttle?.enabled) {
      const bucket = this.bucketFor(caller.accountId, call.operation, call.service);
      if (bucket !== undefined && !bucket.take(arrival)) {
        request.count('throttled');
        return send(res, throttleReply(call.service));
      }
    }

    const scripted = this.takeScripted(call.operation, request.targetAccount);
    if (scripted !== undefined) {
      request.count('faulted');
      if (scripted === 'drop') return drop(req);
      if (scripted === 'throttle') return send(res, throttleReply(call.service));
      if (scripted === 'internal') return send(res, internalErrorReply(call.service));
      return send(res, this.deniedByPolicy(request));
    }

    const refusal = this.refusalByRule(request);
    if (refusal !== undefined) {
      request.count('rejected');
      return send(res, refusal);
    }
    if (
      call.service === 'account' &&
      request.targetAccount !== undefined &&
      options.accessDeniedAccounts?.includes(request.targetAccount)
    ) {
      request.count('faulted');
      return send(res, this.deniedByPolicy(request));
    }

    const faultable =
      options.faultOperations === undefined || options.faultOperations.includes(call.operation);
    if (faultable) {
      const random = mulberry32(this.nextFaultSeed(request));
      const dropDraw = random();
      const errorDraw = random();
      if (dropDraw < (options.dropRate ?? 0)) {
        request.count('faulted');
        return drop(req);
      }
      if (errorDraw < (options.internalErrorRate ?? 0)) {
        request.count('faulted');
        return send(res, internalErrorReply(call.service));
      }
    }

    if (this.failsAsTargeted(request)) {
      request.count('faulted');
      return send(res, internalErrorReply(call.service));
    }

    if (faultable && (options.latencyMs ?? 0) > 0) await this.sleep(options.latencyMs ?? 0);
    if (this.stopped) return drop(req);

    const losesAnswer =
      WRITES.includes(call.operation) &&
      request.targetAccount !== undefined &&
      (options.losePutResponseFor?.includes(request.targetAccount) ?? false);
    if (losesAnswer) request.count('faulted');

    switch (call.operation) {
      case 'GetContactInformation':
      case 'PutContactInformation':
        return this.answerContactInformation(req, res, request, losesAnswer);
      case 'DeleteAlternateContact':
        if ((await this.askMoto(req, '/getAlternateContact', body)) === 'ResourceNotFoundException') {
          // moto deletes a missing contact without complaint; AWS answers ResourceNotFoundException (the model
          // lists it for DeleteAlternateContact) with the message moto uses for GetAlternateContact.
          request.count('emulated');
          return send(
            res,
            accountError(
              404,
              'ResourceNotFoundException',
              'No contact of the inputted alternate contact type found.',
            ),
          );
        }
        break;
    }

    request.count('forwarded');
    await this.forward(req, res, body, {
      loseAnswer: losesAnswer,
      keepBody: call.operation === 'AssumeRole',
      onAnswer: (status, answer) => {
        if (status < 200 || status >= 300) return;
        if (call.operation === 'PutAlternateContact' || call.operation === 'DeleteAlternateContact') {
          this.record(call.operation, request);
        } else if (call.operation === 'AssumeRole') {
          const learned = this.callers.learnFromAssumeRole(answer.toString('utf8'));
          this.recordAssumeRole(request, 'assumed', learned?.accessKeyId);
        }
      },
    });
  }

  private describe(call: Call, caller: Caller): Request {
    const input = call.input;
    const bodyAccountId = typeof input?.AccountId === 'string' ? input.AccountId : undefined;
    let targetAccount: string | undefined;
    if (call.service === 'account') targetAccount = bodyAccountId ?? caller.accountId;
    else if (call.operation === 'AssumeRole')
      targetAccount = accountOfRoleArn(call.form.get('RoleArn') ?? '');
    let contactType: string | undefined;
    if (typeof input?.AlternateContactType === 'string') contactType = input.AlternateContactType;
    else if (/ContactInformation$/.test(call.operation)) contactType = PRIMARY;
    const overall = statsIn(this.stats, call.operation);
    const callerTable = this.callerStats[caller.accountId] ?? {};
    this.callerStats[caller.accountId] = callerTable;
    const own = statsIn(callerTable, call.operation);
    return {
      call,
      caller,
      bodyAccountId,
      targetAccount,
      contactType,
      count: (kind) => {
        overall[kind]++;
        own[kind]++;
      },
    };
  }

  /** AWS's own refusals: validation, the management-account and trusted-access rules, a role not assumable. */
  private refusalByRule(request: Request): Reply | undefined {
    const { call, caller, bodyAccountId } = request;
    const options = this.options;
    if (call.operation === 'AssumeRole') {
      const roleAccount = request.targetAccount;
      if (roleAccount !== undefined && options.assumeRoleDeniedAccounts?.includes(roleAccount)) {
        this.recordAssumeRole(request, 'denied');
        return assumeRoleDenied(caller.arn, call.form.get('RoleArn') ?? '');
      }
      return undefined;
    }
    const input = call.input;
    if (call.service !== 'account' || input === undefined) return undefined;
    // Without it there is nothing to store, whether or not the proxy validates the fields.
    const missingContact = call.operation === 'PutContactInformation' && !isObject(input.ContactInformation);
    if (options.validate || missingContact) {
      const fieldList = accountInputProblems(call.operation, input);
      if (fieldList.length > 0) {
        return accountError(400, 'ValidationException', 'Invalid input', {
          reason: 'fieldValidationFailed',
          fieldList,
        });
      }
    }
    if (bodyAccountId === undefined) return undefined;
    if (options.managementAccountId !== undefined && bodyAccountId === options.managementAccountId) {
      return accountAccessDenied(
        caller.arn,
        call.operation,
        '(The management account can only be managed using the standalone context from the management account.)',
      );
    }
    if (options.trustedAccess === false) {
      return accountAccessDenied(
        caller.arn,
        call.operation,
        '(Your organization must first enable trusted access with AWS Account Management.)',
      );
    }
    return undefined;
  }

  /** An explicit deny (an SCP on the Account API; for AssumeRole, a role that is not assumable). */
  private deniedByPolicy(request: Request): Reply {
    const { call, caller } = request;
    if (call.operation === 'AssumeRole') {
      this.recordAssumeRole(request, 'denied');
      return assumeRoleDenied(caller.arn, call.form.get('RoleArn') ?? '');
    }
    const resource = `arn:aws:account::${caller.accountId}:account/${request.targetAccount ?? ''}`;
    return accountAccessDenied(
      caller.arn,
      call.operation,
      `on resource: ${resource} with an explicit deny in a service control policy`,
    );
  }

  private failsAsTargeted(request: Request): boolean {
    const { targetAccount, contactType } = request;
    if (targetAccount === undefined) return false;
    const operation = request.call.operation;
    if (WRITES.includes(operation)) return this.options.failPutFor?.includes(targetAccount) ?? false;
    return (
      READS.includes(operation) &&
      (this.options.failReadBackFor?.includes(targetAccount) ?? false) &&
      this.ledger.some((entry) => entry.accountId === targetAccount && entry.type === contactType)
    );
  }

  private answerContactInformation(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    request: Request,
    losesAnswer: boolean,
  ): void {
    const account = request.targetAccount ?? DEFAULT_CALLER_ACCOUNT;
    request.count('emulated');
    if (request.call.operation === 'GetContactInformation') {
      send(res, getContactInformation(this.contactInformation, account));
      return;
    }
    const { reply, stored } = putContactInformation(
      this.contactInformation,
      account,
      request.call.input ?? {},
    );
    this.record('PutContactInformation', request, stored);
    if (losesAnswer) drop(req);
    else send(res, reply);
  }

  private record(
    operation: LedgerOperation,
    request: Request,
    contactInformation?: LedgerEntry['contactInformation'],
  ): void {
    const input = operation === 'PutAlternateContact' ? (request.call.input ?? {}) : {};
    const text = (key: string) => (typeof input[key] === 'string' ? (input[key] as string) : '');
    this.ledger.push({
      seq: this.ledger.length + 1,
      time: Date.now(),
      operation,
      accountId: request.targetAccount ?? request.caller.accountId,
      callerAccountId: request.caller.accountId,
      hadAccountId: request.bodyAccountId !== undefined,
      type: request.contactType ?? '',
      name: text('Name'),
      title: text('Title'),
      email: text('EmailAddress'),
      phone: text('PhoneNumber'),
      ...(contactInformation === undefined ? {} : { contactInformation }),
    });
  }

  private recordAssumeRole(
    request: Request,
    outcome: AssumeRoleEntry['outcome'],
    accessKeyId?: string,
  ): void {
    this.assumeRoles.push({
      seq: this.assumeRoles.length + 1,
      time: Date.now(),
      callerAccountId: request.caller.accountId,
      roleArn: request.call.form.get('RoleArn') ?? '',
      accountId: request.targetAccount ?? '',
      sessionName: request.call.form.get('RoleSessionName') ?? '',
      outcome,
      ...(accessKeyId === undefined ? {} : { accessKeyId }),
    });
  }

  /**
   * Sends the request, credentials and body, to another moto path; the error type of the answer ('' for a
   * success or no answer). moto sends its ResourceNotFoundException with HTTP 400, so the status says nothing.
   */
  private askMoto(req: http.IncomingMessage, path: string, body: Buffer): Promise<string> {
    return new Promise((resolve) => {
      const headers = withoutHopByHop(req.rawHeaders, ['content-length']);
      headers.push('content-length', String(body.length));
      const probe = http.request({
        host: this.target.hostname,
        port: this.target.port,
        method: 'POST',
        path,
        headers,
        agent: this.agent,
      });
      probe.on('response', (answer) => {
        answer.resume();
        const errorType = answer.headers['x-amzn-errortype'];
        answer.once('end', () => resolve(typeof errorType === 'string' ? errorType.split(':')[0]! : ''));
        answer.once('error', () => resolve(''));
      });
      probe.on('error', () => resolve(''));
      probe.end(body);
    });
  }

  private forward(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    body: Buffer,
    how: { loseAnswer: boolean; keepBody: boolean; onAnswer: (status: number, body: Buffer) => void },
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
        const chunks: Buffer[] = [];
        // moto's answer is always read to its end, even when the client is gone (a SIGKILLed CLI, a second
        // SIGINT during the latency): piped into a closed response it would stop flowing, the write would
        // never reach the ledger, and its upstream socket would never go back to the agent.
        const forwarding = !how.loseAnswer;
        if (forwarding && !res.destroyed)
          res.writeHead(status, answer.statusMessage, withoutHopByHop(answer.rawHeaders));
        answer.on('data', (chunk: Buffer) => {
          if (how.keepBody) chunks.push(chunk);
          if (forwarding && !res.destroyed) res.write(chunk);
        });
        answer.once('end', () => {
          how.onAnswer(status, Buffer.concat(chunks));
          if (forwarding) {
            if (!res.destroyed) res.end();
          } else {
            drop(req);
          }
          resolve();
        });
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

  private clock(): number {
    return (this.options.now ?? (() => performance.now()))();
  }

  private bucketFor(callerAccountId: string, operation: string, service: string): TokenBucket | undefined {
    const throttle = this.options.throttle;
    const quota: Quota | undefined =
      throttle?.quotas?.[operation] ??
      DEFAULT_QUOTAS[operation] ??
      (service === 'organizations' ? DEFAULT_ORGANIZATIONS_QUOTA : undefined);
    if (quota === undefined) return undefined;
    const key = bucketKey(callerAccountId, operation);
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      const scale = throttle?.timeScale ?? 1;
      bucket = new TokenBucket(
        { perSecond: quota.perSecond * scale, burst: quota.burst * scale },
        this.clock(),
      );
      this.buckets.set(key, bucket);
    }
    return bucket;
  }

  private nextFaultSeed(request: Request): number {
    const { call, targetAccount, contactType } = request;
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

function statsIn(table: ProxyStats, operation: string): OperationStats {
  let stats = table[operation];
  if (stats === undefined) {
    stats = { received: 0, forwarded: 0, emulated: 0, throttled: 0, faulted: 0, rejected: 0 };
    table[operation] = stats;
  }
  return stats;
}

/** AWS's quotas belong to the account of the calling credentials, one per operation. */
function bucketKey(callerAccountId: string, operation: string): string {
  return `${callerAccountId}|${operation}`;
}

function cloneScripted(faults: ScriptedFault[] | undefined): ScriptedFault[] {
  return (faults ?? []).map((fault) => ({ ...fault }));
}
