// Reading and classifying the requests the SDK sends: service, operation, credentials and input.

import type http from 'node:http';

export interface Call {
  service: string;
  operation: string;
  accessKeyId: string | undefined;
  /** Account API body (restJson1). */
  input: Record<string, unknown> | undefined;
  /** Query-protocol parameters (STS): `RoleArn`, `RoleSessionName`, … */
  form: URLSearchParams;
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

/** The whole body, or undefined when it is larger than any AWS request we emulate. */
export function readBody(req: http.IncomingMessage): Promise<Buffer | undefined> {
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
export function identify(req: http.IncomingMessage, body: Buffer): Call {
  const url = new URL(req.url ?? '/', 'http://proxy.invalid');
  const authorization = req.headers.authorization ?? '';
  const credential =
    /Credential=([^/,\s]+)\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(authorization) ??
    /^([^/]+)\/\d{8}\/[^/]+\/([^/]+)\/aws4_request$/.exec(url.searchParams.get('X-Amz-Credential') ?? '');
  const accessKeyId = credential?.[1];
  const service = credential?.[2] ?? 'unknown';
  const none = new URLSearchParams();

  const target = req.headers['x-amz-target'];
  if (typeof target === 'string' && target.includes('.')) {
    const operation = target.slice(target.lastIndexOf('.') + 1);
    return { service, operation, accessKeyId, input: undefined, form: none };
  }
  if (service === 'account') {
    const name = url.pathname.replace(/^\//, '');
    const operation = name.charAt(0).toUpperCase() + name.slice(1);
    return { service, operation, accessKeyId, input: parseJsonObject(body), form: none };
  }
  const contentType = req.headers['content-type'] ?? '';
  const form = contentType.includes('x-www-form-urlencoded')
    ? new URLSearchParams(body.toString('utf8'))
    : url.searchParams;
  const action = form.get('Action') ?? url.searchParams.get('Action');
  return {
    service,
    operation: action ?? `${req.method} ${url.pathname}`,
    accessKeyId,
    input: undefined,
    form,
  };
}

function parseJsonObject(body: Buffer): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(body.toString('utf8') || '{}');
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export function withoutHopByHop(raw: string[], alsoDrop: string[] = []): string[] {
  const kept: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || alsoDrop.includes(lower)) continue;
    kept.push(name, raw[i + 1]!);
  }
  return kept;
}
