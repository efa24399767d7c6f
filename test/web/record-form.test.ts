import { describe, expect, it } from 'vitest';
import { newId } from '../../src/shared/ids.ts';
import { usePageApp } from './page-app.ts';
import { Browser, counting, pageWorld, recordForm, SMALL_WORLD } from './page-world.ts';

/**
 * The "record a concern" form's post (a fifth of a partnership's requests, issue 21): it adds the
 * record without reading the whole person first, and still writes only about the agency's own people.
 */
describe('recording a concern through the page', () => {
  const { t, clock, start } = usePageApp();

  // Two answers' pages, less what differs between any two requests (the form token, the request's ID).
  const samePage = (html: string): string => html.replace(/name="_csrf" value="[^"]*"/g, '').replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, 'ID');

  const recordsAbout = async (personId: string): Promise<number> =>
    (await t.db().query<{ n: number }>('SELECT count(*)::int AS n FROM agency_record WHERE person_id = $1', [personId])).rows[0]!.n;

  it('another agency’s entry for the same child, shared with the social worker, takes no record from her: the same page as no one at all', async () => {
    const w = await pageWorld(t.db(), clock, { ...SMALL_WORLD, agencies: 2 });
    const b = new Browser(await start());
    await b.signIn(w.worker);
    const theirs = w.linkedEntryIds[0]!;
    // She can read it (it is shared with her agency), so its page exists for her…
    expect((await b.get(`/people/${theirs}`)).status).toBe(200);
    const before = await recordsAbout(theirs);
    await b.get(`/people/${w.childId}/records/new`);
    const nobody = await b.post(`/people/${newId()}/records/new`, recordForm(clock, 'About no one'));
    expect(nobody.status).toBe(404);
    // …but a record about it is the holding agency's to write: refused as if it did not exist.
    const written = await b.post(`/people/${theirs}/records/new`, recordForm(clock, 'Not hers to write'));
    expect(written.status).toBe(404);
    expect(samePage(written.body)).toBe(samePage(nobody.body));
    // A form with a mistake about someone who does not exist is not found either (nothing to show it again about).
    expect((await b.post(`/people/${newId()}/records/new`, { ...recordForm(clock, ''), summary: '' })).status).toBe(404);
    expect(await recordsAbout(theirs)).toBe(before);
    expect(written.body).not.toContain('Not hers to write');
  });

  it('a record about her own entry is added and goes to the chronology; a form with a mistake shows the child’s name again', async () => {
    const w = await pageWorld(t.db(), clock, { ...SMALL_WORLD });
    const c = counting(t.db());
    const b = new Browser(await start(c.db));
    await b.signIn(w.worker);
    await b.get(`/people/${w.childId}/records/new`);
    const before = await recordsAbout(w.childId);
    c.reset();
    const posted = await b.post(`/people/${w.childId}/records/new`, recordForm(clock, 'Came in hungry again'));
    expect(posted.status).toBe(303);
    expect(posted.location).toBe(`/people/${w.childId}/chronology?done=record-added`);
    expect(await recordsAbout(w.childId)).toBe(before + 1);
    // The session, the write with its audit entry, the lead's setting: the person's names, addresses and relationships are not read.
    expect(c.statements().some((s) => /FROM person_name/.test(s)), c.statements().join('\n')).toBe(false);
    expect(c.count()).toBeLessThanOrEqual(5);

    const mistaken = await b.post(`/people/${w.childId}/records/new`, { ...recordForm(clock, ''), summary: '' });
    expect(mistaken.status).toBe(422);
    expect(mistaken.body).toContain(`Ava ${w.familyName}`);
    expect(await recordsAbout(w.childId)).toBe(before + 1);
  });
});
