import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import type { Role } from '../../../src/access/policy.ts';
import type { Database } from '../../../src/db/database.ts';
import type { AgencyType } from '../../../src/partnership/schemas.ts';
import { fixedClock } from '../../../src/shared/clock.ts';
import type { ActorContext, Services } from '../../../src/shared/context.ts';
import { agency, partnershipWith, practitioner, services } from '../../fixtures.ts';
import { NO_SUCH_PERSON, NO_SUCH_RECORD, scenarioApp, signedIn, type Answer, type Caller } from '../helpers.ts';

export { NEVER_USED_ID, NO_SUCH_PERSON, NO_SUCH_RECORD } from '../helpers.ts';

/**
 * Helpers for the case examples of the information-sharing protocol, played through the HTTP
 * API. Each case builds its own small cast: the agencies involved, the practitioners in them,
 * each signed in with their own bearer token, and a clock the story moves on.
 */

/** One practitioner in a case: who they are, and their own API client. */
export interface Member extends Caller {
  id: string;
  agencyId: string;
  name: string;
  ctx: ActorContext;
}

export interface Cast<A extends string, S extends string> {
  clock: ReturnType<typeof fixedClock>;
  s: Services;
  app: FastifyInstance;
  agency: Record<A, string>;
  who: Record<S, Member>;
}

/**
 * A partnership with the agencies a case needs ([type, name]) and its practitioners
 * ([agency, roles, name]), everyone signed in, starting at the given moment.
 */
export async function castOf<A extends string, S extends string>(
  db: Database,
  startsAt: string,
  agencies: Record<A, readonly [AgencyType, string]>,
  staff: Record<S, readonly [A, readonly Role[], string]>,
): Promise<Cast<A, S>> {
  const clock = fixedClock(startsAt);
  const s = services(db, clock);
  const p = await partnershipWith(s);
  const agencyIds = {} as Record<A, string>;
  for (const [key, [type, name]] of Object.entries(agencies) as [A, readonly [AgencyType, string]][]) {
    agencyIds[key] = await agency(s, p, type, name);
  }
  const app = await scenarioApp(s);
  const who = {} as Record<S, Member>;
  for (const [key, [at, roles, name]] of Object.entries(staff) as [S, readonly [A, readonly Role[], string]][]) {
    const ctx = await practitioner(s, agencyIds[at], [...roles], name);
    const api = await signedIn(app, ctx);
    who[key] = { ...api, id: ctx.actor.practitionerId, agencyId: ctx.actor.agencyId, name, ctx };
  }
  return { clock, s, app, agency: agencyIds, who };
}

/** The body of a 201 answer; anything else fails the step with the problem the API gave. */
export async function created(answer: Promise<Answer>): Promise<Answer['body']> {
  const a = await answer;
  expect(a.status, JSON.stringify(a.body)).toBe(201);
  return a.body;
}

/** The body of a 200 answer; anything else fails the step with the problem the API gave. */
export async function ok(answer: Promise<Answer>): Promise<Answer['body']> {
  const a = await answer;
  expect(a.status, JSON.stringify(a.body)).toBe(200);
  return a.body;
}

/** A record body with the usual defaults: a confidential fact the practitioner witnessed. */
export const entry = (over: Record<string, unknown>): Record<string, unknown> => ({
  kind: 'contact',
  categories: ['other'],
  factOrOpinion: 'fact',
  reportedOrWitnessed: 'witnessed',
  source: { type: 'practitioner' },
  confidential: true,
  ...over,
});

/** Told, when and by whom (3.48). */
export const told = (at: string, by: string): { informed: true; at: string; by: string } => ({ informed: true, at, by });

/**
 * Which of these records the member can open. Every refusal must be the plain "not found" a
 * record that never existed gets: the answer never says a record is there.
 */
export async function readableBy(m: Member, recordIds: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const id of recordIds) {
    const r = await m.get(`/records/${id}`);
    if (r.status === 200) out.push(id);
    else expect(r, `${m.name} reading ${id}`).toEqual({ status: 404, body: NO_SUCH_RECORD });
  }
  return out;
}

/** The ids in a person's chronology as the member gets it, oldest first. */
export async function listedFor(m: Member, personId: string): Promise<string[]> {
  const r = await ok(m.get(`/people/${personId}/records`));
  return (r as { id: string }[]).map((x) => x.id);
}

/** The member cannot open any of these records, nor learn that any of these people exist. */
export async function seesNothingOf(m: Member, what: { records?: readonly string[]; people?: readonly string[] }): Promise<void> {
  expect(await readableBy(m, what.records ?? []), `${m.name} sees none of these records`).toEqual([]);
  for (const id of what.people ?? []) {
    expect(await m.get(`/people/${id}`), `${m.name} opening person ${id}`).toEqual({ status: 404, body: NO_SUCH_PERSON });
    expect(await m.get(`/people/${id}/records`), `${m.name} listing records of ${id}`).toEqual({ status: 404, body: NO_SUCH_PERSON });
  }
}

const SHARING_TABLES = ['consent', 'share_decision', 'share_recipient', 'share_grant', 'advice_request', 'notification'] as const;

/** Row counts of the tables a refused decision or consent might have half-written. */
export async function sharingRows(db: Database): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of SHARING_TABLES) out[t] = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t}`)).rows[0]!.n;
  return out;
}
