import { describe, expect, it } from 'vitest';
import { markContradiction } from '../../src/chronology/chronology.ts';
import { addRecord, correctRecord } from '../../src/records/records.ts';
import { concern, practitioner } from '../fixtures.ts';
import { Browser, pageWorld } from './page-world.ts';
import { usePageApp } from './page-app.ts';

/**
 * What a practitioner reads on the chronology page, entry by entry, for a record of each kind:
 * its own, restricted, shared by another agency, corrected, marked as contradicting, about a
 * household member, sensitive with the child's words. The list is built in code rather than by the
 * template (src/web/pages/chronology-entries.ts): the words, links and order must be as they were.
 */
describe('the chronology page, entry by entry', () => {
  const { t, clock, start } = usePageApp();

  const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'", '&#92;': '\\' };
  /** Each entry of the page's list as a screen reader would read it (tags gone, spaces collapsed), with its link. */
  const entries = (html: string): { text: string; href: string | undefined; contradicted: boolean }[] =>
    [...(/<ol class="govuk-list" aria-labelledby="entries">([\s\S]*?)<\/ol>/.exec(html)?.[1] ?? '').matchAll(/<li class="([^"]*)">([\s\S]*?)<\/li>/g)].map((m) => ({
      text: m[2]!.replace(/<[^>]*>/g, ' ').replace(/&(amp|lt|gt|quot|#39|#92);/g, (e) => ENTITIES[e]!).replace(/\s+/g, ' ').trim(),
      href: /href="([^"]+)"/.exec(m[2]!)?.[1],
      contradicted: m[1]!.includes('jigsaw-entry--contradicted'),
    }));

  it('shows each kind of record with its words, tags and link, in the order things happened; a colleague\'s restricted record is not there', async () => {
    const w = await pageWorld(t.db(), clock, { records: 0, agencies: 2, meetings: 0, siblings: 0 });
    const me = w.worker;
    const agencyName = (await t.db().query<{ name: string }>('SELECT name FROM agency WHERE id = $1', [me.actor.agencyId])).rows[0]!.name;
    const sharer = (await t.db().query<{ name: string }>(
      `SELECT a.name FROM agency a JOIN share_decision d ON d.agency_id = a.id WHERE a.id <> $1 LIMIT 1`, [me.actor.agencyId])).rows[0]!.name;
    // The two records the other agency shares, their kinds as the page words them ("Contact").
    const sharedRecords = (await t.db().query<{ id: string; kind: string }>(
      `SELECT g.record_id AS id, initcap(v.kind) AS kind FROM share_grant g JOIN agency_record r ON r.id = g.record_id
         JOIN agency_record_version v ON v.record_id = r.id ORDER BY r.created_at`)).rows;
    const sharedRecord = sharedRecords[0]!.id;
    const mother = (await t.db().query<{ id: string }>(`SELECT related_person_id AS id FROM relationship WHERE person_id = $1 AND type = 'parent'`, [w.childId])).rows[0]!.id;

    const restricted = await addRecord(me, w.childId, concern({
      summary: 'Disclosure <b>"in confidence"</b> & more', restricted: true, occurredAt: '2026-03-29T00:30:00Z',
      details: 'First line\nSecond line <i>not markup</i>', childsWords: 'I don’t want to go "home"', sensitiveCategories: ['physical_or_mental_health'],
    }));
    const corrected = await addRecord(me, w.childId, concern({ summary: 'Wrong summary', factOrOpinion: 'opinion', reportedOrWitnessed: 'reported', occurredAt: '2026-06-01T11:00:00Z' }));
    await correctRecord(me, corrected.id, { baseVersion: 1, correctionReason: 'Summary was wrong', summary: 'Corrected summary' });
    const midnight = await addRecord(me, w.childId, concern({ kind: 'observation', summary: 'Found outside at night', occurredAt: '2026-01-01T00:00:00Z' }));
    await markContradiction(me, midnight.id, sharedRecord, 'The school says he was at home');
    await addRecord(me, mother, concern({ summary: 'Mother missed the appointment', occurredAt: '2026-02-02T15:45:00Z' }));
    const colleague = await practitioner(me, me.actor.agencyId, ['social_worker'], 'Colleague');
    await addRecord(colleague, w.childId, concern({ summary: 'Colleague’s restricted note', restricted: true, occurredAt: '2026-04-01T10:00:00Z' }));

    const app = await start();
    const b = new Browser(app);
    await b.signIn(me);
    const page = await b.get(`/people/${w.childId}/chronology?household=true`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('>6 entries</h2>');
    expect(page.body).not.toContain('Colleague’s restricted note');
    // Text that looks like markup is shown as typed, never as markup.
    expect(page.body).not.toContain('<b>"in confidence"</b>');
    expect(page.body).not.toContain('<i>not markup</i>');
    const record = expect.stringMatching(/^\/records\/[0-9a-f-]{36}$/);
    const school = 'Seen at school, tired and hungry (2024-01-01)';
    const noted = 'Noted by the practitioner at the time.';
    expect(entries(page.body)).toEqual([
      // Shared by the other agency, and marked as contradicting one of ours.
      { text: `1 January 2024 at midday · ${sharer} · Practitioner 1 ${school} ${sharedRecords[0]!.kind} Fact Witnessed Shared by ${sharer} Contradicted ${noted}`, href: `/records/${sharedRecord}`, contradicted: true },
      { text: `1 January 2024 at 7pm · ${sharer} · Practitioner 1 ${school} ${sharedRecords[1]!.kind} Fact Witnessed Shared by ${sharer} ${noted}`, href: `/records/${sharedRecords[1]!.id}`, contradicted: false },
      // The other side of the mark; recorded long after it happened.
      { text: `1 January 2026 at midnight · ${agencyName} · Rachel Dunn Found outside at night Observation Fact Witnessed Back-dated Contradicted`, href: `/records/${midnight.id}`, contradicted: true },
      // A household member's record names them and what they are to the child.
      { text: `2 February 2026 at 3:45pm · ${agencyName} · Rachel Dunn · about Natasha Pageworld (Parent) Mother missed the appointment Concern Fact Witnessed Back-dated`, href: record, contradicted: false },
      // Restricted (its author sees it), sensitive, with details and the child's words; on the night the clocks went forward.
      { text: `29 March 2026 at 12:30am · ${agencyName} · Rachel Dunn Disclosure <b>"in confidence"</b> & more Concern Fact Witnessed Back-dated Sensitive First line Second line <i>not markup</i> Child’s words: “I don’t want to go "home"”`, href: `/records/${restricted.id}`, contradicted: false },
      // Corrected: the current version's words, and its opinion and reported tags.
      { text: `1 June 2026 at midday · ${agencyName} · Rachel Dunn Corrected summary Concern Opinion Reported Back-dated`, href: `/records/${corrected.id}`, contradicted: false },
    ]);
    // Reading the page is audited as reading the person and their chronology, nothing more or less.
    const trail = (await t.db().query<{ action: string; outcome: string; person_id: string }>(
      `SELECT action, outcome, person_id FROM audit_event WHERE action IN ('person.read', 'chronology.read') ORDER BY seq DESC LIMIT 2`)).rows;
    expect(trail.reverse()).toEqual([{ action: 'person.read', outcome: 'success', person_id: w.childId }, { action: 'chronology.read', outcome: 'success', person_id: w.childId }]);
    // Someone the viewer cannot reach is not found, and the refusal is audited as a person read.
    expect((await b.get('/people/00000000-0000-4000-8000-000000000000/chronology')).status).toBe(404);
    expect((await t.db().query<{ action: string; outcome: string }>('SELECT action, outcome FROM audit_event ORDER BY seq DESC LIMIT 1')).rows).toEqual([{ action: 'person.read', outcome: 'not_found' }]);
    // The details keep their line break (the paragraph shows it as written).
    expect(page.body).toContain('>First line\nSecond line &lt;i&gt;not markup&lt;/i&gt;</p>');
  });
});
