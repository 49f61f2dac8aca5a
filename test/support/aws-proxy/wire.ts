// Error replies in each service's own wire shape, so the AWS SDK turns them into the same exceptions as AWS's.

import { randomUUID } from 'node:crypto';
import type http from 'node:http';

export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Account API, restJson1: the error type travels in a header, the body has a lower-case `message`. */
export function accountError(status: number, type: string, message: string, extra: object = {}): Reply {
  return {
    status,
    headers: { 'content-type': 'application/json', 'x-amzn-errortype': type },
    body: JSON.stringify({ message, ...extra }),
  };
}

/** A successful Account API answer. */
export function accountOk(output: object): Reply {
  return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(output) };
}

/** awsJson1_1 (Organizations uses `Message`, SSM `message`). */
export function jsonError(status: number, type: string, messageKey: string, message: string): Reply {
  return {
    status,
    headers: { 'content-type': 'application/x-amz-json-1.1' },
    body: JSON.stringify({ __type: type, [messageKey]: message }),
  };
}

/** STS, query protocol: XML. */
export function queryError(status: number, code: string, message: string): Reply {
  return {
    status,
    headers: { 'content-type': 'text/xml' },
    body:
      '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>' +
      (status >= 500 ? 'Receiver' : 'Sender') +
      `</Type><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error>` +
      `<RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
  };
}

export function throttleReply(service: string): Reply {
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

export function internalErrorReply(service: string): Reply {
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

export function accountAccessDenied(callerArn: string, operation: string, reason: string): Reply {
  return accountError(
    403,
    'AccessDeniedException',
    `User: ${callerArn} is not authorized to perform: account:${operation} ${reason}`,
  );
}

/**
 * STS's answer when the role does not exist or its trust policy does not name the caller: AWS gives the two
 * cases the same answer on purpose, so a caller cannot probe which roles exist.
 */
export function assumeRoleDenied(callerArn: string, roleArn: string): Reply {
  return queryError(
    403,
    'AccessDenied',
    `User: ${callerArn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
  );
}

export function send(res: http.ServerResponse, reply: Reply): void {
  const body = Buffer.from(reply.body, 'utf8');
  res.writeHead(reply.status, {
    ...reply.headers,
    'x-amzn-requestid': randomUUID(),
    'content-length': String(body.length),
  });
  res.end(body);
}

/** Like a connection reset by a load balancer: no status, no body. */
export function drop(req: http.IncomingMessage): void {
  req.socket.destroy();
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
