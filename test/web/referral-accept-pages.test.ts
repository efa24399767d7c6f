import { describe, expect, it } from 'vitest';
import { addRelationship } from '../../src/people/people.ts';
import { openEpisode, recordEpisodeAction } from '../../src/process/episodes.ts';
import { NewReferral } from '../../src/process/referral-schemas.ts';
import { getReferral, makeReferral } from '../../src/process/referrals.ts';
import { RecordAction } from '../../src/process/schemas.ts';
import { addRecord } from '../../src/records/records.ts';
import { fixedClock } from '../../src/shared/clock.ts';
import { useTestDb } from '../db.ts';
import { useWebApp } from './no-js-browser.ts';
import { agency, concern, partnershipWith, person, services } from '../fixtures.ts';

/** Issue 17, items 5 and 6, read from the rendered pages. */

const PASSWORD = 'Quiet-harbour-lantern-1987';
const act = (key: string, occurredAt: string, action: Record<string, unknown>): RecordAction => RecordAction.parse({ idempotencyKey: key, occurredAt, action });

describe('the referral page offers the child the authority holds, and the pages show earlier plans', () => {
  const t = useTestDb();
  const web = useWebApp(PASSWORD);

  const signedUp = web.signedUp;

  async function session(who: { email: string }): Promise<{ get: (url: string) => Promise<{ status: number; body: string }>; post: (url: string, form: Record<string, string>) => Promise<{ status: number; body: string; location: string | undefined }> }> {
    const signedIn = await web.app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: who.email, password: PASSWORD } });
    const jar: Record<string, string> = { jigsaw_session: signedIn.cookies.find((c) => c.name === 'jigsaw_session')!.value };
    let token = '';
    return {
      get: async (url) => {
        const res = await web.app.inject({ url, headers: { accept: 'text/html' }, cookies: jar });
        const csrf = res.cookies.find((c) => c.name === 'jigsaw_csrf');
        if (csrf) jar.jigsaw_csrf = csrf.value;
        token = /name="_csrf" value="([^"]+)"/.exec(res.body)?.[1] ?? token;
        return { status: res.statusCode, body: res.body };
      },
      post: async (url, form) => {
        const res = await web.app.inject({
          method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, cookies: jar,
          payload: new URLSearchParams({ _csrf: token, ...form }).toString(),
        });
        return { status: res.statusCode, body: res.body, location: res.headers.location };
      },
    };
  }

  async function world() {
    const clock = fixedClock('2026-04-10T09:00:00Z');
    const s = services(t.db(), clock);
    const p = await partnershipWith(s);
    const csc = await agency(s, p, 'childrens_social_care', "Northshire Children's Social Care");
    const health = await agency(s, p, 'health_visiting', 'Northshire Health Visiting');
    const duty = await signedUp(s, csc, ['social_worker'], 'Dev Patel');
    const rachel = await signedUp(s, csc, ['social_worker'], 'Rachel Dunn');
    const hv = await signedUp(s, health, ['practitioner', 'safeguarding_lead'], 'Joanne Pike');
    const address = { line1: '5 Ashdown Road', postcode: 'NS1 6EJ' };
    // Children's social care holds Ruby, her mother Dawn, and Dawn's first child Ava, who had a plan for neglect.
    const dawn = await person(duty, { kind: 'adult', sex: 'female', names: [{ givenNames: 'Dawn', familyName: 'Carver' }], dateOfBirth: '1994-02-01', addresses: [address] });
    const ruby = await person(duty, { names: [{ givenNames: 'Ruby', familyName: 'Carver' }], dateOfBirth: '2026-03-20', sex: 'female', addresses: [address] });
    await addRelationship(duty, ruby.id, { relatedPersonId: dawn.id, type: 'parent' });
    const ava = await person(duty, { names: [{ givenNames: 'Ava', familyName: 'Carver' }], dateOfBirth: '2016-05-01' });
    await addRelationship(duty, ava.id, { relatedPersonId: dawn.id, type: 'parent' });
    const ep = await openEpisode(duty, { idempotencyKey: 'ava', childPersonId: ava.id, receivedAt: '2018-01-05T09:00:00Z', channel: 'written' });
    await recordEpisodeAction(duty, ep.id, act('ava-d', '2018-01-05T10:00:00Z', { type: 'referral_decided', outcome: 'strategy_discussion', reasons: 'Neglect' }));
    await recordEpisodeAction(duty, ep.id, act('ava-sd', '2018-01-05T11:00:00Z', { type: 'strategy_discussion_held', s47: true, participants: [{ agencyId: csc }], policeInvestigation: false, immediateSafety: 'x', familyToBeTold: 'x' }));
    await recordEpisodeAction(duty, ep.id, act('ava-s47', '2018-01-12T11:00:00Z', { type: 's47_concluded', outcome: 'continuing_risk', summary: 'x' }));
    await recordEpisodeAction(duty, ep.id, act('ava-c', '2018-01-25T10:00:00Z', {
      type: 'conference_held', kind: 'initial', plan: true, invitedAgencyIds: [csc], parentsParticipation: 'x',
      planDetails: { category: 'neglect', leadAgencyId: csc, keyWorkerId: duty.actor.practitionerId, coreGroup: [duty.actor.practitionerId], outlinePlan: 'x', contingencyPlan: 'y' },
    }));
    // The health visitor's own entries, and her referral.
    const hvRuby = await person(hv, { names: [{ givenNames: 'Ruby', familyName: 'Carver' }], dateOfBirth: '2026-03-20', sex: 'female', addresses: [address] });
    const hvDawn = await person(hv, { kind: 'adult', sex: 'female', names: [{ givenNames: 'Dawn', familyName: 'Carver' }], dateOfBirth: '1994-02-01' });
    await addRelationship(hv, hvRuby.id, { relatedPersonId: hvDawn.id, type: 'parent' });
    const visit = await addRecord(hv, hvRuby.id, concern({ occurredAt: '2026-04-09T10:00:00Z', summary: 'Bruise on the cheek of a non-mobile baby' }));
    const referral = await makeReferral(hv, NewReferral.parse({
      childPersonId: hvRuby.id, toAgencyId: csc, channel: 'written', concerns: 'A bruise on a three-week-old baby', childsWishesAndFeelings: 'Too young to say',
      domains: { developmentalNeeds: 'Feeding well', parentingCapacity: 'Mother anxious', familyAndEnvironment: 'Lives with her mother' },
      familyAgreement: { status: 'not_told', reason: 'Telling her could put Ruby at risk' },
      familyToBeTold: { what: 'That a social worker will visit', byWhom: 'The social worker', when: 'At the visit' },
      shareDecision: {
        answers: { purposeCode: 'child_protection_enquiry', purpose: 'A bruise on a non-mobile baby', withinAgencyFunctions: true, legalObligation: 'statutory_duty', legalObligationReference: 'Children Act 2004 s11' },
        outcome: 'share', reasons: 'Significant harm until shown otherwise',
        share: { recipients: [{ agencyId: csc }], items: [{ recordId: visit.id, parts: ['summary'] }], includeAddress: true },
        subjectInformed: { informed: false, reason: 'Telling her could put Ruby at risk' },
      },
    }));
    await web.open(s);
    return { duty, rachel, hv, ruby, ava, referralId: referral.id, avasEpisode: ep.id };
  }

  it('the duty social worker sees Ruby offered with why, must choose, accepts onto her entry, and the referral, episode and child’s pages show Dawn’s earlier plan', async () => {
    const w = await world();
    const duty = await session(w.duty);
    const page = await duty.get(`/referrals/${w.referralId}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('Your agency may already hold this child');
    expect(page.body).toMatch(/Ruby Carver, born 20 March 2026: (very likely|possibly) the same child, \d+%/);
    expect(page.body).toMatch(/Why: [^<]*date of birth/);
    expect(page.body).toContain('None of these: add a new entry from the referral');
    // Nothing is chosen for her: accepting without a choice names the field.
    expect(page.body).not.toMatch(/name="personId" type="radio" value="[^"]+" checked/);
    const unchosen = await duty.post(`/referrals/${w.referralId}/accept`, { allocatedWorkerId: w.rachel.actor.practitionerId });
    expect(unchosen.status).toBe(422);
    expect(unchosen.body).toContain('href="#personId"');
    expect(unchosen.body).toContain('Choose the child&#39;s entry in your agency&#39;s index from the possible matches');

    await duty.get(`/referrals/${w.referralId}`);
    const accepted = await duty.post(`/referrals/${w.referralId}/accept`, { personId: w.ruby.id, allocatedWorkerId: w.rachel.actor.practitionerId, team: '' });
    expect(accepted.status, accepted.body).toBe(303);
    expect((await getReferral(w.duty, w.referralId)).receivedPersonId).toBe(w.ruby.id);

    const after = (await duty.get(`/referrals/${w.referralId}`)).body;
    const section = (html: string): string => html.slice(html.indexOf('id="earlier-plans"'), html.indexOf('</table>', html.indexOf('id="earlier-plans"')));
    for (const html of [after, (await duty.get(`/episodes/${(await getReferral(w.duty, w.referralId)).episodeId}`)).body, (await duty.get(`/people/${w.ruby.id}`)).body]) {
      const plans = section(html);
      expect(plans).toContain('Earlier child protection plans');
      expect(plans).toContain('Ava Carver, born 1 May 2016');
      expect(plans).toContain('Dawn Carver, parent of this child, is parent of that child');
      expect(plans).toContain('Neglect plan from 25 January 2018, no end recorded');
      expect(plans).toContain('Northshire Children&#39;s Social Care');
      expect(plans).toContain(`href="/episodes/${w.avasEpisode}"`);
    }

    // The episode says who holds the case, and it can be reallocated from there: the new worker is told too.
    const episodeId = (await getReferral(w.duty, w.referralId)).episodeId!;
    expect((await duty.get(`/episodes/${episodeId}`)).body).toMatch(/Allocated to\s*<\/dt>\s*<dd class="govuk-summary-list__value">\s*Rachel Dunn/);
    expect((await duty.get(`/episodes/${episodeId}/allocation`)).body).toContain('Allocate the child’s episode');
    const none = await duty.post(`/episodes/${episodeId}/allocation`, { allocatedWorkerId: '', team: '' });
    expect(none.status).toBe(422);
    expect(none.body).toContain('href="#allocatedWorkerId"');
    await duty.get(`/episodes/${episodeId}/allocation`);
    const moved = await duty.post(`/episodes/${episodeId}/allocation`, { allocatedWorkerId: w.duty.actor.practitionerId, team: 'Assessment' });
    expect(moved.status, moved.body).toBe(303);
    const dutyTasks = (await duty.get('/tasks')).body;
    expect(dutyTasks).toContain('Someone around this person is linked to an earlier child protection plan');

    // Rachel's tasks name the child and link to her page; the message itself names no one.
    const tasks = (await (await session(w.rachel)).get('/tasks')).body;
    const row = [...tasks.matchAll(/<tr class="govuk-table__row">[\s\S]*?<\/tr>/g)].map((m) => m[0]).find((r) => r.includes('earlier child protection plan'));
    expect(row).toContain(`href="/people/${w.ruby.id}"`);
    expect(row).toContain('Ruby Carver, born 20 March 2026');
    expect(row).not.toContain('Ava');
    expect(row).not.toContain('Dawn');
  });

  it('the health visitor who referred sees no choice of the authority’s entries and no earlier plans', async () => {
    const w = await world();
    const page = (await (await session(w.hv)).get(`/referrals/${w.referralId}`)).body;
    expect(page).not.toContain('Which entry is the child?');
    expect(page).not.toContain('Earlier child protection plans');
    expect(page).not.toContain(w.ruby.id);
  });
});
