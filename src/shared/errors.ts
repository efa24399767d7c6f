import type { ZodError } from 'zod';

/** One field at fault, named by a JSON Pointer into the request (RFC 6901). */
export interface FieldProblem {
  pointer: string;
  detail: string;
}

/**
 * The one error type that travels from the services to the edge. The HTTP adapter turns it
 * into RFC 9457 problem+json; the CLI prints its detail. Messages never carry personal data.
 */
export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly title: string,
    readonly detail?: string,
    readonly errors: FieldProblem[] = [],
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail ?? title);
    this.name = 'Problem';
  }
}

const TYPE_BASE = 'https://jigsaw.example/problems/';

export const invalid = (detail: string, errors: FieldProblem[] = []): Problem =>
  new Problem(422, `${TYPE_BASE}validation`, 'Your request has errors', detail, errors);

export const badRequest = (detail: string, errors: FieldProblem[] = []): Problem =>
  new Problem(400, `${TYPE_BASE}bad-request`, 'The request could not be read', detail, errors);

/** Used both for a record that does not exist and one outside the caller's reach. */
export const notFound = (what = 'resource'): Problem =>
  new Problem(404, `${TYPE_BASE}not-found`, 'Not found', `No ${what} with that identifier was found.`);

export const unauthenticated = (detail = 'Sign in or present a valid API token.'): Problem =>
  new Problem(401, `${TYPE_BASE}unauthenticated`, 'Not signed in', detail);

export const forbidden = (detail: string): Problem =>
  new Problem(403, `${TYPE_BASE}forbidden`, 'Not allowed', detail);

export const conflict = (detail: string): Problem =>
  new Problem(409, `${TYPE_BASE}conflict`, 'Conflict', detail);

export const tooManyRequests = (detail: string, retryAfterSeconds: number): Problem =>
  new Problem(429, `${TYPE_BASE}too-many-requests`, 'Too many attempts', detail, [], { retryAfterSeconds });

/** The server is busy with other requests of the same kind (not the caller's fault): try again shortly. */
export const busy = (detail: string, retryAfterSeconds: number): Problem =>
  new Problem(503, `${TYPE_BASE}busy`, 'Busy', detail, [], { retryAfterSeconds });

/** zod issue paths become JSON Pointers under a prefix such as "/body". */
export function fieldProblems(error: ZodError, prefix = ''): FieldProblem[] {
  return error.issues.map((issue) => {
    const path = issue.path.map((p) => String(p).replace(/~/g, '~0').replace(/\//g, '~1'));
    let detail = issue.message;
    if (issue.code === 'unrecognized_keys') {
      return { pointer: `${prefix}/${path.join('/')}`.replace(/\/$/, '') || '/', detail: `Unknown field(s): ${issue.keys.join(', ')}` };
    }
    if (issue.code === 'invalid_type' && /received undefined/.test(detail)) detail = 'This field is required';
    return { pointer: path.length ? `${prefix}/${path.join('/')}` : prefix || '/', detail };
  });
}
