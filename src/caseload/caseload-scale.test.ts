import { describe, expect, it } from 'vitest';
import { caseloadWorld, type CaseloadWorld } from '../../test/caseload-world.ts';
import { useTestDb } from '../../test/db.ts';
import type { Database, Queryable } from '../db/database.ts';
import type { ActorContext } from '../shared/context.ts';
import { myCaseload } from './caseload.ts';

/**
 * The caseload stays set-based at scale: one query per source and per kind of attention, never one
 * per child, so the number of statements a caseload costs does not grow with the children on it or
 * the episodes in the authority.
 */
describe('My children at scale', () => {
  const t = useTestDb();

  /** `n` more children in the authority, each with an open episode and one step; every tenth on a plan, every hundredth allocated to the worker. */
  async function more(w: CaseloadWorld, n: number, from: number): Promise<void> {
    await t.db().query(
      `WITH made AS (
         INSERT INTO person (id, agency_id, kind, date_of_birth, created_by, created_at)
         SELECT gen_random_uuid(), $1, 'child', DATE '2015-01-01' + (g % 3000), $2, now() FROM generate_series($4::int, $4::int + $3::int - 1) g
         RETURNING id),
       numbered AS (SELECT id, row_number() OVER (ORDER BY id) + $4::int AS g FROM made),
       named AS (INSERT INTO person_name (id, person_id, use, given_names, family_name, position) SELECT gen_random_uuid(), id, 'usual', 'Child', 'Number ' || g, 0 FROM numbered),
       opened AS (
         INSERT INTO episode (id, agency_id, child_person_id, allocated_worker_id, opened_at, stage)
         SELECT gen_random_uuid(), $1, id, CASE WHEN g % 100 = 0 THEN $2 ELSE $5 END, now(), CASE WHEN g % 10 = 0 THEN 'child_protection_plan' ELSE 'assessment' END FROM numbered
         RETURNING id)
       INSERT INTO episode_step (episode_id, key, label, due_date, paragraph) SELECT id, 'review_conference', 'Review conference', DATE '2026-12-01', '68.1' FROM opened`,
      [w.csc, w.worker.actor.practitionerId, n, from, w.colleague.actor.practitionerId]);
  }

  /** The context with its statements counted. */
  function counted(ctx: ActorContext): { ctx: ActorContext; statements: () => number } {
    let statements = 0;
    const wrap = (q: Queryable): Queryable => ({ query: (sql, params) => { statements += 1; return q.query(sql, params); }, exec: (sql) => q.exec(sql) });
    const outside = wrap(ctx.db);
    const db: Database = { kind: ctx.db.kind, query: (sql, params) => outside.query(sql, params), exec: (sql) => ctx.db.exec(sql), transaction: (fn) => ctx.db.transaction((tx) => fn(wrap(tx))), close: () => ctx.db.close() };
    return { ctx: { ...ctx, db }, statements: () => statements };
  }

  it('ten times the children and episodes cost the same number of statements, for the worker and for the manager', async () => {
    const w = await caseloadWorld(t.db());
    await more(w, 300, 1);
    const worker = counted(w.worker);
    const manager = counted(w.manager);
    const small = { worker: (await myCaseload(worker.ctx)).children.length, manager: (await myCaseload(manager.ctx)).children.length };
    const statements = { worker: worker.statements(), manager: manager.statements() };
    expect(small).toEqual({ worker: 5 + 3, manager: 30 + 2 });

    await more(w, 2700, 301);
    const started = Date.now();
    const large = { worker: await myCaseload(worker.ctx), manager: await myCaseload(manager.ctx) };
    const took = Date.now() - started;
    expect({ worker: large.worker.children.length, manager: large.manager.children.length }).toEqual({ worker: 5 + 30, manager: 300 + 2 });
    expect({ worker: worker.statements() - statements.worker, manager: manager.statements() - statements.manager }).toEqual(statements);
    // Every child on a plan has a step overdue since 1 December: they come first, each named.
    expect(large.manager.children.slice(0, 300).every((e) => e.urgency === 'overdue' && e.child.name.startsWith('Child Number'))).toBe(true);
    // Generous (the suite shares two cores): measured at about 130 ms for both on 6 December 2026.
    expect(took).toBeLessThan(30_000);
  });
});
