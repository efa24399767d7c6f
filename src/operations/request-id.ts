import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * Request IDs: one per request, in every log line (pino's reqId), echoed in the response's
 * X-Request-ID, carried on the ActorContext and written into the audit entries the request made,
 * so an operator can follow one request from a caller's ticket through the logs to the audit trail.
 */

/** The response header; also the first header read from the caller. */
export const REQUEST_ID_HEADER = 'x-request-id';

/**
 * Where callers put theirs: X-Request-ID (NHS APIs, the FHIR spec's X-Request-Id) first, then
 * X-Correlation-ID. Node lowercases header names, so every spelling of these is accepted.
 */
const INCOMING = [REQUEST_ID_HEADER, 'x-correlation-id'] as const;

/**
 * A caller's ID is kept only if it is a plain token: letters, digits and . _ : - up to 128
 * characters (a UUID, a W3C trace id, a ticket number). Anything else is replaced, never echoed
 * or logged: spaces, "@" and other punctuation let in names, e-mail addresses and log injection.
 */
const SAFE = /^[A-Za-z0-9._:-]{1,128}$/;

export function isSafeRequestId(value: string): boolean {
  return SAFE.test(value);
}

/** The caller's ID when it is safe, otherwise a new UUID. Fastify's genReqId. */
export function requestIdFrom(headers: IncomingHttpHeaders): string {
  for (const name of INCOMING) {
    const value = headers[name];
    if (typeof value === 'string' && isSafeRequestId(value)) return value;
  }
  return randomUUID();
}
