import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { useTestDb } from '../../test/db.ts';
import { agency, partnershipWith, practitioner, services } from '../../test/fixtures.ts';
import { endAccessInTx } from '../auth/end-access.ts';
import { Drafts } from './drafts.ts';

/**
 * submitOnce's promise across processes: two Drafts over one database stand for two server
 * processes (each keeps its own submits in flight), both holding the draft before either records.
 */
describe('a draft is recorded once, whichever processes submit it', () => {
  const t = useTestDb();

  async function setUp() {
    const s = services(t.db());
    const school = await agency(s, await partnershipWith(s), 'school');
    const teacher = await practitioner(s, school);
    return { s, who: teacher.actor.practitionerId };
  }

  it('two processes submitting the same draft at once make one call, and both answer its result', async () => {
    const { s, who } = await setUp();
    const [a, b] = [new Drafts(s), new Drafts(s)];
    const started = await a.startForm(who, 'meeting', 'episode-1', { title: 'Strategy discussion' });
    const onA = (await a.findForm(started.id, who, 'meeting', 'episode-1'))!;
    const onB = (await b.findForm(started.id, who, 'meeting', 'episode-1'))!;
    let calls = 0;
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const call = (href: string) => async () => {
      calls++;
      await gate;
      return href;
    };
    const first = a.submitOnce(onA, call('/meetings/1'));
    const again = a.submitOnce(onA, call('/meetings/1-again')); // a double click in the same process joins the first
    const second = b.submitOnce(onB, call('/meetings/2'));
    // Whichever claimed the draft is held at the gate while the other finds it claimed.
    await delay(200);
    open();
    const answers = await Promise.all([first, again, second]);
    expect(calls).toBe(1);
    expect(new Set(answers).size).toBe(1);
    // Later: the result, the answers gone.
    const later = (await b.findForm(started.id, who, 'meeting', 'episode-1'))!;
    expect(later.result).toBe(answers[0]);
    expect(later.values).toEqual({});
  });

  it('a failed call lets go of the draft, its answers kept, and another submit records it', async () => {
    const { s, who } = await setUp();
    const [a, b] = [new Drafts(s), new Drafts(s)];
    const d = await a.startForm(who, 'consent', 'person-1', { purpose: 'Early help' });
    await expect(a.submitOnce(d, () => Promise.reject(new Error('refused')))).rejects.toThrow('refused');
    const onB = (await b.findForm(d.id, who, 'consent', 'person-1'))!;
    expect(onB.result).toBeUndefined();
    expect(onB.values).toEqual({ purpose: 'Early help' });
    expect(await b.submitOnce(onB, () => Promise.resolve('/people/1?done=consent-recorded'))).toBe('/people/1?done=consent-recorded');
  });

  it('a draft is found only by its practitioner, kind and subject; a leaver\'s drafts are deleted', async () => {
    const { s, who } = await setUp();
    const other = (await practitioner(s, (await t.db().query<{ agency_id: string }>('SELECT agency_id FROM practitioner WHERE id = $1', [who])).rows[0]!.agency_id)).actor.practitionerId;
    const drafts = new Drafts(s);
    const d = await drafts.startForm(who, 'referral', 'person-1', { concerns: 'Bruising' });
    expect(await drafts.findForm(d.id, other, 'referral', 'person-1')).toBeUndefined();
    expect(await drafts.findForm(d.id, who, 'consent', 'person-1')).toBeUndefined();
    expect(await drafts.findForm(d.id, who, 'referral', 'person-2')).toBeUndefined();
    expect(await drafts.findForm('not-an-id', who, 'referral', 'person-1')).toBeUndefined();
    expect((await drafts.findForm(d.id, who, 'referral', 'person-1'))?.values).toEqual({ concerns: 'Bruising' });
    await t.db().transaction((tx) => endAccessInTx(s, tx, who));
    expect((await t.db().query('SELECT 1 FROM web_draft WHERE practitioner_id = $1', [who])).rowCount).toBe(0);
  });
});
