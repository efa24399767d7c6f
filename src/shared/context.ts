import type { Actor } from '../access/policy.ts';
import type { Database, Queryable } from '../db/database.ts';
import type { ReadAudit } from '../audit/read-audit.ts';
import type { Clock } from './clock.ts';
import type { RequestReads } from './request-reads.ts';

/** What every service needs: the database and the time (and, when a request is behind it, that request's ID). */
export interface Services {
  db: Database;
  clock: Clock;
  /** The HTTP request this is part of (its X-Request-ID), written into every audit entry it makes. */
  requestId?: string | undefined;
}

/** One request from one practitioner: every read and write goes through this. */
export interface ActorContext extends Services {
  actor: Actor;
  /** The purpose the caller gave for this access, kept in the audit trail. */
  purpose?: string | undefined;
  /** In a GET or HEAD request: what it read, appended to the audit trail in one statement before the answer is sent (src/audit/read-audit.ts). */
  readAudit?: ReadAudit | undefined;
  /**
   * What this request has already read (src/shared/request-reads.ts): made once per request by its
   * caller, and only for a request that changes nothing (a page's GET); absent, every read is fresh.
   */
  reads?: RequestReads | undefined;
}

export type Tx = Queryable;
