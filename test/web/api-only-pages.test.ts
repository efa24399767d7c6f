import { describe, expect, it } from 'vitest';
import { addRelationship } from '../../src/people/people.ts';
import { addRecord, correctRecord } from '../../src/records/records.ts';
import { fixedClock } from '../../src/shared/clock.ts';
import { NewShareDecision } from '../../src/sharing/schemas.ts';
import { makeDecision } from '../../src/sharing/sharing.ts';
import { useTestDb } from '../db.ts';
import { useWebApp } from './no-js-browser.ts';
import { agency, concern, partnershipWith, person, services } from '../fixtures.ts';

/** Issue 18, item 6: what was API-only done on the pages, read from the rendered HTML. */

const PASSWORD = 'correct-revoke-end-lantern-91';

describe('correcting a record, revoking a share, ending a looked-after period and changing a person on the pages', () => {
  const t = useTestDb();
  const web = useWebApp(PASSWORD);

  const signedUp = web.signedUp;

  const browser = web.browser;

  /** The GOV.UK error summary's messages, each with the field it links to. */
  const summary = (html: string): string[] =>
    [...html.matchAll(/<a href="([^"]+)">([^<]+)<\/a>/g)].filter((m) => html.indexOf('govuk-error-summary') > -1 && html.indexOf(m[0]) > html.indexOf('govuk-error-summary__list') && html.indexOf(m[0]) < html.indexOf('</ul>', html.indexOf('govuk-error-summary__list'))).map((m) => `${m[2]!.trim()} → ${m[1]}`);

  async function world() {
    const clock = fixedClock('2026-12-02T09:00:00Z');
    const s = services(t.db(), clock);
    const p = await partnershipWith(s);
    const csc = await agency(s, p, 'childrens_social_care', "Northshire Children's Social Care");
    const school = await agency(s, p, 'school', 'Riverside Primary School');
    const worker = await signedUp(s, csc, ['social_worker'], 'Rachel Dunn');
    const teacher = await signedUp(s, school, ['practitioner'], 'Amira Shah');
    const lily = await person(worker, { names: [{ givenNames: 'Lily', familyName: 'Fletcher' }], dateOfBirth: '2021-11-20', addresses: [{ line1: '9 Carlton House', town: 'Northshire', postcode: 'NS7 5JH', validFrom: '2024-01-01' }] });
    const record = await addRecord(worker, lily.id, concern({ summary: 'Bruising seen on the left arm', occurredAt: '2026-12-01T10:00:00Z' }));
    await web.open(s);
    return { s, clock, csc, school, worker, teacher, lily, record };
  }

  it('a record is corrected from its page with a reason; the old version stays in the history; a stale version is said plainly and what was typed is kept', async () => {
    const w = await world();
    const b = await browser(w.worker);
    const page = await b.get(`/records/${w.record.id}`);
    expect(page).toContain(`href="/records/${w.record.id}/correct"`);
    const form = await b.get(`/records/${w.record.id}/correct`);
    expect(form).toContain('Correct this record');
    expect(form).toContain('value="Bruising seen on the left arm"');
    expect(form).toContain('name="baseVersion" value="1"');

    // No reason: the error summary links to the reason; what was typed is kept.
    const noReason = await b.post(`/records/${w.record.id}/correct`, {
      baseVersion: '1', summary: 'Bruising seen on the right arm', 'occurred-day': '1', 'occurred-month': '12', 'occurred-year': '2026', occurredTime: '10:00',
      categories: 'neglect', factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', correctionReason: '',
    });
    expect(noReason.status).toBe(422);
    expect(summary(noReason.body)).toEqual(['Say why the record is being corrected → #correctionReason']);
    expect(noReason.body).toContain('value="Bruising seen on the right arm"');

    const done = await b.post(`/records/${w.record.id}/correct`, {
      baseVersion: '1', summary: 'Bruising seen on the right arm', 'occurred-day': '1', 'occurred-month': '12', 'occurred-year': '2026', occurredTime: '10:00',
      categories: 'neglect', factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', correctionReason: 'I wrote the wrong arm',
    });
    expect(done.status).toBe(303);
    const after = await b.get(done.location!);
    expect(after).toContain('The record has been corrected. This is version 2');
    expect(after).toContain('<h1 class="govuk-heading-l">Bruising seen on the right arm</h1>');
    expect(after).toMatch(/Version 1, 2 December 2026[^<]*: Bruising seen on the left arm/);
    expect(after).toContain('(corrected: I wrote the wrong arm)');

    // It is corrected meanwhile (in another window); this form still says version 2.
    await b.get(`/records/${w.record.id}/correct`);
    await correctRecord(w.worker, w.record.id, { baseVersion: 2, correctionReason: 'Time was wrong', summary: 'Bruising on the right forearm' });
    const stale = await b.post(`/records/${w.record.id}/correct`, {
      baseVersion: '2', summary: 'Bruising on the right upper arm', 'occurred-day': '1', 'occurred-month': '12', 'occurred-year': '2026', occurredTime: '10:00',
      categories: 'neglect', factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', correctionReason: 'More precise',
    });
    expect(stale.status).toBe(422);
    expect(summary(stale.body)).toEqual(['Someone corrected this record while you were writing. Check what it says now, then save your correction again. → #now-says']);
    expect(stale.body).toContain('id="now-says">Bruising on the right forearm</p>');
    expect(stale.body).toContain('value="Bruising on the right upper arm"');
    expect(stale.body).toContain('More precise</textarea>');
    expect(stale.body).toContain('name="baseVersion" value="3"');

    // Another agency (even one the record might be shared with) and an unknown record: not found.
    const tb = await browser(w.teacher);
    await tb.get(`/records/${w.record.id}/correct`, 404);
    await tb.get('/records/00000000-0000-4000-8000-000000000000/correct', 404);
    expect((await tb.post(`/records/${w.record.id}/correct`, { baseVersion: '3', summary: 'x', correctionReason: 'y' })).status).toBe(404);
  });

  it('a share is revoked from its decision page with a reason; the school loses the record at once; a second revocation is refused', async () => {
    const w = await world();
    const decision = await makeDecision(w.worker, NewShareDecision.parse({
      personId: w.lily.id, outcome: 'share', reasons: 'Section 47 enquiry',
      answers: { purposeCode: 'child_protection_enquiry', purpose: 'Enquiry', withinAgencyFunctions: true, legalObligation: 'statutory_duty', legalObligationReference: 'Children Act 1989 s47' },
      share: { recipients: [{ agencyId: w.school }], items: [{ recordId: w.record.id }] },
      subjectInformed: { informed: false, reason: 'It would prejudice the enquiry' },
    }));
    const tb = await browser(w.teacher);
    expect(await tb.get(`/records/${w.record.id}`)).toContain('Bruising seen on the left arm');

    const b = await browser(w.worker);
    const page = await b.get(`/share-decisions/${decision.id}`);
    expect(page).toContain('Revoke this share');
    const empty = await b.post(`/share-decisions/${decision.id}/revoke`, { reason: '' });
    expect(empty.status).toBe(422);
    expect(summary(empty.body)).toEqual(['Say why the share is being revoked → #reason']);

    const done = await b.post(`/share-decisions/${decision.id}/revoke`, { reason: 'Shared with the wrong school' });
    expect(done.status).toBe(303);
    const after = await b.get(done.location!);
    expect(after).toContain('The share has been revoked.');
    expect(after).toContain('Shared with the wrong school');
    expect(after).not.toContain('Revoke this share');
    await tb.get(`/records/${w.record.id}`, 404);

    const again = await b.post(`/share-decisions/${decision.id}/revoke`, { reason: 'Again' });
    expect(again.status).toBe(422);
    expect(summary(again.body)).toEqual(['This share has already been revoked. → #reason']);

    // The school cannot reach the decision, nor revoke it.
    await tb.get(`/share-decisions/${decision.id}`, 404);
    expect((await tb.post(`/share-decisions/${decision.id}/revoke`, { reason: 'x' })).status).toBe(404);
  });

  it('a looked-after period is ended from the child’s looked-after page, with a reason; the earlier period stays listed', async () => {
    const w = await world();
    const b = await browser(w.worker);
    await b.get(`/people/${w.lily.id}/looked-after`);
    const recorded = await b.post(`/people/${w.lily.id}/looked-after`, { legalStatus: 'section_20', 'started-day': '1', 'started-month': '11', 'started-year': '2026', startedTime: '10:00' });
    expect(recorded.status).toBe(303);
    const page = await b.get(recorded.location!);
    expect(page).toContain('End this period');
    const periodId = /action="\/people\/[^/]+\/looked-after\/([^/]+)\/end"/.exec(page)![1]!;

    const bad = await b.post(`/people/${w.lily.id}/looked-after/${periodId}/end`, { 'ended-day': '31', 'ended-month': '10', 'ended-year': '2026', endedTime: '10:00', endReason: '' });
    expect(bad.status).toBe(422);
    expect(summary(bad.body)).toEqual(['Say why the child is no longer looked after → #endReason']);
    const before = await b.post(`/people/${w.lily.id}/looked-after/${periodId}/end`, { 'ended-day': '31', 'ended-month': '10', 'ended-year': '2026', endedTime: '10:00', endReason: 'Returned home' });
    expect(before.status).toBe(422);
    expect(summary(before.body)[0]).toMatch(/^This is before the start.* → #ended-day$/);
    expect(before.body).toContain('Returned home</textarea>');

    const done = await b.post(`/people/${w.lily.id}/looked-after/${periodId}/end`, { 'ended-day': '1', 'ended-month': '12', 'ended-year': '2026', endedTime: '17:00', endReason: 'Returned home to her mother' });
    expect(done.status).toBe(303);
    const after = await b.get(done.location!);
    expect(after).toContain('The looked-after period has ended.');
    expect(after).toContain('Earlier periods');
    expect(after).toContain('Returned home to her mother');
    expect(after).toContain('1 December 2026');
    expect(after).toContain('Record looked after');
    expect(after).toContain('No active flags.');

    // Ended once; another agency and another child cannot reach it.
    expect((await b.post(`/people/${w.lily.id}/looked-after/${periodId}/end`, { 'ended-day': '1', 'ended-month': '12', 'ended-year': '2026', endedTime: '17:00', endReason: 'x' })).status).toBe(422);
    const other = await person(w.worker, { names: [{ givenNames: 'Tom', familyName: 'Fletcher' }], dateOfBirth: '2019-01-02' });
    expect((await b.post(`/people/${other.id}/looked-after/${periodId}/end`, { 'ended-day': '1', 'ended-month': '12', 'ended-year': '2026', endedTime: '17:00', endReason: 'x' })).status).toBe(404);
    const tb = await browser(w.teacher);
    await tb.get('/tasks');
    expect((await tb.post(`/people/${w.lily.id}/looked-after/${periodId}/end`, { 'ended-day': '1', 'ended-month': '12', 'ended-year': '2026', endedTime: '17:00', endReason: 'x' })).status).not.toBe(303);
  });

  it('a person’s names, addresses and relationships change (added, ended) from their page with the history kept; another agency cannot reach the form', async () => {
    const w = await world();
    const mum = await person(w.worker, { kind: 'adult', names: [{ givenNames: 'Natasha', familyName: 'Fletcher' }], dateOfBirth: '1995-03-04' });
    const rel = await addRelationship(w.worker, w.lily.id, { relatedPersonId: mum.id, type: 'parent', validFrom: '2021-11-20' });
    const b = await browser(w.worker);
    expect(await b.get(`/people/${w.lily.id}`)).toContain(`href="/people/${w.lily.id}/details"`);
    await b.get(`/people/${w.lily.id}/details`);

    const noName = await b.post(`/people/${w.lily.id}/names`, { nameUse: 'usual', givenNames: '', familyName: '' });
    expect(noName.status).toBe(422);
    expect(summary(noName.body)).toEqual(['Enter a given name or a family name → #givenNames']);
    const named = await b.post(`/people/${w.lily.id}/names`, { nameUse: 'usual', givenNames: 'Lily', familyName: 'Brown' });
    expect(named.status).toBe(303);
    const afterName = await b.get(named.location!);
    expect(afterName).toContain('The name has been added.');
    expect(afterName).toMatch(/Usual\s*<\/dt>\s*<dd[^>]*>\s*Lily Brown/);
    expect(afterName).toMatch(/Previous\s*<\/dt>\s*<dd[^>]*>\s*Lily Fletcher/);

    const noLine = await b.post(`/people/${w.lily.id}/addresses`, { line1: '', town: 'Northshire', 'movedIn-day': '31', 'movedIn-month': '2', 'movedIn-year': '2026' });
    expect(noLine.status).toBe(422);
    expect(summary(noLine.body)).toEqual(['The date they moved in must be a real date → #movedIn-day', 'Enter the first line of the address → #line1']);
    const moved = await b.post(`/people/${w.lily.id}/addresses`, { line1: '4 Mill Lane', town: 'Northshire', postcode: 'ns1 2ab', 'movedIn-day': '1', 'movedIn-month': '12', 'movedIn-year': '2026' });
    expect(moved.status).toBe(303);
    const afterMove = await b.get(moved.location!);
    expect(afterMove).toMatch(/9 Carlton House, Northshire, NS7 5JH:\s*from 1 January 2024 to 30 November 2026/);
    expect(afterMove).toMatch(/4 Mill Lane, Northshire, NS1 2AB:\s*from 1 December 2026 \(current\)/);

    const relEnd = `/people/${w.lily.id}/relationships/${rel.id}/end`;
    expect(await b.get(relEnd)).toContain('Natasha Fletcher');
    const early = await b.post(relEnd, { 'ended-day': '1', 'ended-month': '1', 'ended-year': '2020' });
    expect(early.status).toBe(422);
    expect(summary(early.body)).toEqual(['The end date must not be before the start date → #ended-day']);
    const ended = await b.post(relEnd, { 'ended-day': '1', 'ended-month': '12', 'ended-year': '2026' });
    expect(ended.status).toBe(303);
    const afterRel = await b.get(ended.location!);
    expect(afterRel).toContain('The relationship has ended.');
    expect(afterRel).toMatch(/Natasha Fletcher<\/a>: Parent, from 20 November 2021 to 1 December 2026/);
    // Ended once: the form is gone.
    await b.get(relEnd, 404);

    // A relationship is added by finding the other person by name in the agency's own index.
    const grandma = await person(w.worker, { kind: 'adult', names: [{ givenNames: 'Maureen', familyName: 'Fletcher' }], dateOfBirth: '1960-07-08' });
    const noOne = await b.post(`/people/${w.lily.id}/relationships/find`, { relatedName: 'Nobody Known' });
    expect(summary(noOne.body)).toEqual(['No one in your agency’s index has that name: add them first → #relatedName']);
    const found = await b.post(`/people/${w.lily.id}/relationships/find`, { relatedName: 'maureen' });
    expect(found.status).toBe(200);
    expect(found.body).toContain(`value="${grandma.id}"`);
    const unchosen = await b.post(`/people/${w.lily.id}/relationships`, { relatedName: 'maureen', relatedPersonId: grandma.id });
    expect(summary(unchosen.body)).toEqual(['Select what they are to this person → #relationshipType']);
    expect(unchosen.body).toMatch(new RegExp(`value="${grandma.id}" checked`));
    const added = await b.post(`/people/${w.lily.id}/relationships`, { relatedName: 'maureen', relatedPersonId: grandma.id, relationshipType: 'primary_carer', 'relatedSince-day': '1', 'relatedSince-month': '12', 'relatedSince-year': '2026' });
    expect(added.status).toBe(303);
    expect(await b.get(added.location!)).toMatch(/Maureen Fletcher<\/a>: Primary carer, from 1 December 2026 <a/);

    const tb = await browser(w.teacher);
    await tb.get(`/people/${w.lily.id}/details`, 404);
    await tb.get(`/people/${w.lily.id}/relationships/${rel.id}/end`, 404);
    expect((await tb.post(`/people/${w.lily.id}/names`, { nameUse: 'alias', givenNames: 'X', familyName: 'Y' })).status).toBe(404);
    // Another child's relationship through this child's address: not found.
    await b.get(`/people/${mum.id}/relationships/${rel.id}/end`, 404);
  });
});
