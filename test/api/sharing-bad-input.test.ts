import { describe, expect, it } from 'vitest';
import { useTestDb } from '../db.ts';
import type { Answer } from '../scenarios/helpers.ts';
import { castOf, created, entry, NEVER_USED_ID, NO_SUCH_PERSON, NO_SUCH_RECORD, ok, sharingRows, told } from '../scenarios/sharing/helpers.ts';

/**
 * Bad input to the sharing API: each is refused with a problem that says what is wrong and where,
 * and nothing is written — no decision, no recipient, no grant, no consent, no notification.
 */
describe('bad sharing input gets a clear problem and writes nothing', () => {
  const t = useTestDb();

  const VALIDATION = { type: 'https://jigsaw.example/problems/validation', title: 'Your request has errors', status: 422 };
  const problem = (a: Answer, detail: string, errors: { pointer: string; detail: string }[]): void => {
    expect(a).toEqual({ status: 422, body: { ...VALIDATION, detail, errors } });
  };

  async function jacksSchool() {
    const w = await castOf(t.db(), '2026-03-02T09:00:00Z', {
      school: ['school', 'Riverside Primary School'],
      healthVisiting: ['health_visiting', 'Northshire Health Visiting Service'],
      police: ['police', 'Northshire Police'],
    }, {
      lead: ['school', ['practitioner', 'safeguarding_lead'], 'Karen Doyle'],
      healthVisitor: ['healthVisiting', ['practitioner', 'safeguarding_lead'], 'Joanne Pike'],
      officer: ['police', ['practitioner', 'safeguarding_lead'], 'PC Dan Hughes'],
    });
    const { lead } = w.who;
    const jack = await created(lead.post('/people', { kind: 'child', names: [{ givenNames: 'Jack', familyName: 'Carver' }], dateOfBirth: '2021-08-02' }));
    const dawn = await created(lead.post('/people', { kind: 'adult', names: [{ givenNames: 'Dawn', familyName: 'Carver' }], dateOfBirth: '1993-05-09' }));
    await created(lead.post(`/people/${jack.id}/relationships`, { relatedPersonId: dawn.id, type: 'parental_responsibility' }));
    const hungry = await created(lead.post(`/people/${jack.id}/records`, entry({ kind: 'concern', occurredAt: '2026-03-01T12:00:00Z', categories: ['neglect'], summary: 'Often hungry' })));
    const asleep = await created(lead.post(`/people/${jack.id}/records`, entry({ kind: 'concern', occurredAt: '2026-03-01T14:00:00Z', categories: ['neglect'], summary: 'Fell asleep in class' })));
    const consent = await created(lead.post(`/people/${jack.id}/consents`, {
      purposeCode: 'welfare_monitoring', purpose: 'Check with the health visitor', recipientAgencyIds: [w.agency.healthVisiting], decision: 'given',
      form: 'explicit_verbal', givenBy: { capacity: 'parental_responsibility', personId: dawn.id }, obtainedAt: '2026-03-02T08:30:00Z',
    }));
    /** A complete decision to share one record with the health visitor, relying on Dawn's consent. */
    const share = (over: Record<string, unknown> = {}, answers: Record<string, unknown> = {}) => ({
      personId: jack.id, outcome: 'share',
      answers: {
        purposeCode: 'welfare_monitoring', purpose: 'Ask whether the health visitor shares our concerns', withinAgencyFunctions: true, legalObligation: 'none',
        identifiable: true, confidential: true, consent: { status: 'given', consentId: consent.id }, ...answers,
      },
      reasons: 'Dawn agreed', share: { recipients: [{ agencyId: w.agency.healthVisiting }], items: [{ recordId: hungry.id }], onwardSharing: 'permitted' },
      subjectInformed: told('2026-03-02T08:30:00Z', 'Karen Doyle'),
      ...over,
    });
    return { ...w, jack, dawn, hungry, asleep, consent, share };
  }

  /** Without a harm level the answers do not support sharing: confirming anyway needs the practitioner to say she has seen that. */
  const UNSUPPORTED = {
    pointer: '/acknowledgedWarnings',
    detail: 'Confirm you have considered: answers_do_not_support_sharing — Your answers so far do not support sharing. You may still decide to share; your reasons will be recorded.',
  };

  /** A decision without consent that would be justified, if it had all its answers. */
  const withoutConsent = (publicInterest: Record<string, unknown> | undefined) => ({
    purposeCode: 'child_protection_enquiry', purpose: 'Jack said his father hits him',
    consent: { status: 'not_sought', reason: 'increase_risk_of_harm', explanation: 'Asking could put Jack at greater risk' },
    publicInterest,
  });

  it('a share without a purpose is refused, naming the purpose fields, and nothing is written', async () => {
    const w = await jacksSchool();
    const { lead, healthVisitor } = w.who;
    const before = await sharingRows(t.db());

    // Under a statutory duty the purpose is all that is missing, and that is all the problem names.
    const statutory = { legalObligation: 'statutory_duty', legalObligationReference: 'Children Act 2004 s11', consent: undefined };
    const noPurpose = await lead.post('/share-decisions', w.share({}, { ...statutory, purposeCode: undefined, purpose: undefined }));
    problem(noPurpose, 'The decision cannot be recorded yet.', [
      { pointer: '/answers/purposeCode', detail: 'Choose the purpose of sharing' },
      { pointer: '/answers/purpose', detail: 'Describe the purpose in your own words' },
    ]);
    // Relying on consent, a share without a purpose also cannot show the consent covers it: consent is for a specified purpose.
    const noPurposeWithConsent = await lead.post('/share-decisions', w.share({}, { purposeCode: undefined, purpose: undefined }));
    expect(noPurposeWithConsent.status).toBe(422);
    expect(noPurposeWithConsent.body.errors).toEqual(expect.arrayContaining([
      { pointer: '/answers/purposeCode', detail: 'Choose the purpose of sharing' },
      { pointer: '/answers/purpose', detail: 'Describe the purpose in your own words' },
      { pointer: '/answers/consent/consentId', detail: 'This consent is for a different purpose or different recipients: a new purpose needs new consent (3.21)' },
    ]));
    // A purpose of blank space is no purpose.
    const blank = await lead.post('/share-decisions', w.share({}, { purpose: '   ' }));
    problem(blank, 'The decision cannot be recorded yet.', [{ pointer: '/answers/purpose', detail: 'Describe the purpose in your own words' }]);
    // A purpose that is not on the list is refused by the schema, naming the field.
    const unknown = await lead.post('/share-decisions', w.share({}, { purposeCode: 'curiosity' }));
    expect(unknown.status).toBe(422);
    expect(unknown.body.errors).toEqual([{ pointer: '/answers/purposeCode', detail: expect.stringContaining('welfare_monitoring') }]);
    // Nor can a check of the answers be asked about a purpose-less share without being told the same.
    const preview = await ok(lead.post('/share-decisions/preview', w.share({}, { ...statutory, purposeCode: undefined, purpose: undefined })));
    expect(preview.problems).toEqual([
      { pointer: '/answers/purposeCode', detail: 'Choose the purpose of sharing' },
      { pointer: '/answers/purpose', detail: 'Describe the purpose in your own words' },
    ]);

    expect(await sharingRows(t.db())).toEqual(before);
    expect(await healthVisitor.get(`/records/${w.hungry.id}`)).toEqual({ status: 404, body: NO_SUCH_RECORD });
  });

  it('a public-interest decision without the harm level and a statement of necessity and proportionality is refused, and nothing is written', async () => {
    const w = await jacksSchool();
    const { lead, officer } = w.who;
    const toPolice = { share: { recipients: [{ agencyId: w.agency.police }], items: [{ recordId: w.hungry.id }] }, subjectInformed: { informed: false, reason: 'Police enquiries (3.36)' } };
    const before = await sharingRows(t.db());

    // No public-interest answers at all: each missing one is named.
    const bare = await lead.post('/share-decisions', w.share(toPolice, withoutConsent(undefined)));
    problem(bare, 'The decision cannot be recorded yet.', [
      { pointer: '/answers/publicInterest/harm', detail: 'Without consent, state the level of harm (3.43)' },
      { pointer: '/answers/publicInterest/necessityAndProportionality', detail: 'Without consent, say why sharing is necessary and proportionate (3.41)' },
      { pointer: '/answers/publicInterest/adultWithCapacityRiskingOnlyThemself', detail: 'Answer whether this is an adult with capacity who risks only themself (3.44)' },
      UNSUPPORTED,
    ]);
    // The harm, but no reasoning — or reasoning of blank space.
    for (const necessityAndProportionality of [undefined, '  ']) {
      const unreasoned = await lead.post('/share-decisions', w.share(toPolice, withoutConsent({ harm: 'child_significant_harm', necessityAndProportionality, adultWithCapacityRiskingOnlyThemself: false })));
      problem(unreasoned, 'The decision cannot be recorded yet.', [
        { pointer: '/answers/publicInterest/necessityAndProportionality', detail: 'Without consent, say why sharing is necessary and proportionate (3.41)' },
      ]);
    }
    // The reasoning, but no harm level.
    const noHarm = await lead.post('/share-decisions', w.share(toPolice, withoutConsent({ necessityAndProportionality: 'He disclosed being hit', adultWithCapacityRiskingOnlyThemself: false })));
    problem(noHarm, 'The decision cannot be recorded yet.', [
      { pointer: '/answers/publicInterest/harm', detail: 'Without consent, state the level of harm (3.43)' },
      UNSUPPORTED,
    ]);
    // A harm level that does not exist is refused by the schema.
    const madeUp = await lead.post('/share-decisions', w.share(toPolice, withoutConsent({ harm: 'quite_bad', necessityAndProportionality: 'x', adultWithCapacityRiskingOnlyThemself: false })));
    expect(madeUp.status).toBe(422);
    expect(madeUp.body.errors.map((e: { pointer: string }) => e.pointer)).toEqual(['/answers/publicInterest/harm']);
    // Even an urgent share must say what harm makes it urgent.
    const urgent = await lead.post('/share-decisions', { personId: w.jack.id, outcome: 'share', urgent: true, reasons: 'Now', answers: { purposeCode: 'child_protection_enquiry', purpose: 'Disclosure' }, share: toPolice.share });
    problem(urgent, 'The decision cannot be recorded yet.', [{ pointer: '/answers/publicInterest/harm', detail: 'Say what harm makes this urgent' }, UNSUPPORTED]);

    expect(await sharingRows(t.db())).toEqual(before);
    expect(await officer.get(`/records/${w.hungry.id}`)).toEqual({ status: 404, body: NO_SUCH_RECORD });
    expect(await officer.get(`/people/${w.jack.id}`)).toEqual({ status: 404, body: NO_SUCH_PERSON });
    // With every answer given, the same decision is recorded.
    const complete = await lead.post('/share-decisions', w.share(toPolice, withoutConsent({ harm: 'child_significant_harm', necessityAndProportionality: 'He disclosed being hit', adultWithCapacityRiskingOnlyThemself: false })));
    expect(complete.status).toBe(201);
    expect(complete.body.legalBasis).toBe('public_interest');
  });

  it('consent from a person without parental responsibility is refused, naming who gave it, and nothing is written', async () => {
    const w = await jacksSchool();
    const { lead } = w.who;
    // Jack's father is on record as his parent, without parental responsibility; a neighbour is nobody to him;
    // his grandmother had parental responsibility under an order that has ended.
    const lee = await created(lead.post('/people', { kind: 'adult', names: [{ givenNames: 'Lee', familyName: 'Carver' }], dateOfBirth: '1990-01-20' }));
    await created(lead.post(`/people/${w.jack.id}/relationships`, { relatedPersonId: lee.id, type: 'parent' }));
    const neighbour = await created(lead.post('/people', { kind: 'adult', names: [{ givenNames: 'Pat', familyName: 'Hewitt' }], dateOfBirth: '1960-07-07' }));
    const gran = await created(lead.post('/people', { kind: 'adult', names: [{ givenNames: 'Irene', familyName: 'Carver' }], dateOfBirth: '1962-03-03' }));
    await created(lead.post(`/people/${w.jack.id}/relationships`, { relatedPersonId: gran.id, type: 'parental_responsibility', validFrom: '2022-01-01', validTo: '2025-06-30' }));
    const before = await sharingRows(t.db());

    const consentFrom = (personId: string) => lead.post(`/people/${w.jack.id}/consents`, {
      purposeCode: 'welfare_monitoring', purpose: 'Check with the health visitor', recipientAgencyIds: [w.agency.healthVisiting], decision: 'given',
      form: 'explicit_verbal', givenBy: { capacity: 'parental_responsibility', personId }, obtainedAt: '2026-03-02T08:30:00Z',
    });
    for (const who of [lee.id, neighbour.id, gran.id, NEVER_USED_ID]) {
      problem(await consentFrom(who), 'Consent on behalf of a child must come from a person with parental responsibility (3.26–3.27).', [
        { pointer: '/givenBy/personId', detail: 'This person does not have parental responsibility for the child on record' },
      ]);
    }
    // A 14-year-old consents for herself only with the 3.24 assessment, and only if it shows sufficient understanding.
    const natasha = await created(lead.post('/people', { kind: 'child', names: [{ givenNames: 'Natasha', familyName: 'Reid' }], dateOfBirth: '2011-06-15' }));
    const ownConsent = (givenBy: Record<string, unknown>) => lead.post(`/people/${natasha.id}/consents`, {
      purposeCode: 'health_assessment_or_treatment', purpose: 'Sexual health advice', recipientAgencyIds: [w.agency.healthVisiting], decision: 'given',
      form: 'explicit_verbal', givenBy, obtainedAt: '2026-03-02T08:30:00Z',
    });
    problem(await ownConsent({ capacity: 'self' }), 'A child under 16 consents for themself only after an assessment of their understanding (3.24).', [
      { pointer: '/givenBy/competence', detail: 'Record the competence assessment' },
    ]);
    const shaky = { understandsTheQuestion: true, understandsWhatWhyAndImplications: false, weighsTheAlternatives: true, expressesOwnClearView: true, isReasonablyConsistent: false, notes: 'Keeps changing her mind' };
    problem(await ownConsent({ capacity: 'self', competence: shaky }), 'The assessment does not show sufficient understanding; ask a person with parental responsibility (3.26).', [
      { pointer: '/givenBy/competence/understandsWhatWhyAndImplications', detail: 'Not met' },
      { pointer: '/givenBy/competence/isReasonablyConsistent', detail: 'Not met' },
    ]);

    expect(await sharingRows(t.db())).toEqual(before);
    expect((await ok(lead.get(`/people/${w.jack.id}/consents`))).map((c: { id: string }) => c.id)).toEqual([w.consent.id]);
    // And a decision cannot lean on consent that was never recorded.
    problem(await lead.post('/share-decisions', w.share({}, { consent: { status: 'given', consentId: NEVER_USED_ID } })), 'The decision cannot be recorded yet.', [
      { pointer: '/answers/consent/consentId', detail: 'No consent with that identifier is recorded for this person' },
    ]);
    expect(await sharingRows(t.db())).toEqual(before);
  });

  it('a revoked share cannot be used again: not read, not passed on, not revoked twice', async () => {
    const w = await jacksSchool();
    const { lead, healthVisitor } = w.who;
    const d = await created(lead.post('/share-decisions', w.share()));
    expect((await healthVisitor.get(`/records/${w.hungry.id}`)).status).toBe(200);

    w.clock.advanceMinutes(60);
    const revoked = await ok(lead.post(`/share-decisions/${d.id}/revocation`, { reason: 'Shared before the mother had been told' }));
    expect(revoked).toMatchObject({ revokedAt: '2026-03-02T10:00:00.000Z', revocationReason: 'Shared before the mother had been told' });
    const before = await sharingRows(t.db());

    // The health visitor can no longer read it, nor see who Jack is.
    expect(await healthVisitor.get(`/records/${w.hungry.id}`)).toEqual({ status: 404, body: NO_SUCH_RECORD });
    expect(await healthVisitor.get(`/people/${w.jack.id}`)).toEqual({ status: 404, body: NO_SUCH_PERSON });
    // Passing it on, as the share once permitted, is refused: Jack is no longer hers to decide about.
    const onward = await healthVisitor.post('/share-decisions', w.share({ share: { recipients: [{ agencyId: w.agency.police }], items: [{ recordId: w.hungry.id }] } }, withoutConsent({ harm: 'child_significant_harm', necessityAndProportionality: 'x', adultWithCapacityRiskingOnlyThemself: false })));
    expect(onward).toEqual({ status: 404, body: NO_SUCH_PERSON });
    // Revoking it again is a conflict; the recipient cannot touch the decision at all.
    expect(await lead.post(`/share-decisions/${d.id}/revocation`, { reason: 'again' })).toEqual({
      status: 409, body: { type: 'https://jigsaw.example/problems/conflict', title: 'Conflict', status: 409, detail: 'This share has already been revoked.' },
    });
    expect((await healthVisitor.post(`/share-decisions/${d.id}/revocation`, { reason: 'mine now' })).status).toBe(404);
    // A revocation without a reason is refused by the schema.
    const reasonless = await lead.post(`/share-decisions/${d.id}/revocation`, { reason: ' ' });
    expect(reasonless.status).toBe(422);
    expect(reasonless.body.errors).toEqual([{ pointer: '/reason', detail: 'Say why the share is being revoked' }]);
    expect(await sharingRows(t.db())).toEqual(before);
  });

  it('an expired share cannot be used again, and a share cannot be made already expired', async () => {
    const w = await jacksSchool();
    const { lead, healthVisitor } = w.who;
    const before = await sharingRows(t.db());
    // An end date in the past is refused.
    problem(await lead.post('/share-decisions', w.share({ share: { recipients: [{ agencyId: w.agency.healthVisiting }], items: [{ recordId: w.hungry.id }], validUntil: '2026-03-01T09:00:00Z' } })),
      'The decision cannot be recorded yet.', [{ pointer: '/share/validUntil', detail: 'The end of the share must be in the future' }]);
    expect(await sharingRows(t.db())).toEqual(before);

    // One record is shared for two days; another without an end.
    await created(lead.post('/share-decisions', w.share({ share: { recipients: [{ agencyId: w.agency.healthVisiting }], items: [{ recordId: w.hungry.id }], validUntil: '2026-03-04T09:00:00Z', onwardSharing: 'permitted' } })));
    await created(lead.post('/share-decisions', w.share({ share: { recipients: [{ agencyId: w.agency.healthVisiting }], items: [{ recordId: w.asleep.id }], onwardSharing: 'permitted' } })));
    expect((await healthVisitor.get(`/records/${w.hungry.id}`)).body.share.validUntil).toBe('2026-03-04T09:00:00.000Z');

    // Three days on, the first has expired: the health visitor cannot read it or pass it on; the other is still hers.
    w.clock.set('2026-03-05T09:00:00Z');
    const afterSharing = await sharingRows(t.db());
    expect(await healthVisitor.get(`/records/${w.hungry.id}`)).toEqual({ status: 404, body: NO_SUCH_RECORD });
    expect((await ok(healthVisitor.get(`/people/${w.jack.id}/records`))).map((r: { id: string }) => r.id)).toEqual([w.asleep.id]);
    const onward = await healthVisitor.post('/share-decisions', w.share({ share: { recipients: [{ agencyId: w.agency.police }], items: [{ recordId: w.hungry.id }] } }, withoutConsent({ harm: 'child_significant_harm', necessityAndProportionality: 'x', adultWithCapacityRiskingOnlyThemself: false })));
    problem(onward, 'The decision cannot be recorded yet.', [{ pointer: '/share/items/0/recordId', detail: 'No record about this person with that identifier' }]);
    expect(await sharingRows(t.db())).toEqual(afterSharing);
    expect(await w.who.officer.get(`/records/${w.hungry.id}`)).toEqual({ status: 404, body: NO_SUCH_RECORD });
  });

  it('withdrawn or refused consent cannot be relied on, and consent is withdrawn only once', async () => {
    const w = await jacksSchool();
    const { lead, healthVisitor } = w.who;
    const first = await created(lead.post('/share-decisions', w.share()));
    w.clock.advanceMinutes(30);
    const withdrawn = await ok(lead.post(`/consents/${w.consent.id}/withdrawal`, { reason: 'Dawn phoned to withdraw her consent' }));
    expect(withdrawn).toMatchObject({ status: 'withdrawn', reliedOnBy: [{ decisionId: first.id, revokedAt: '2026-03-02T09:30:00.000Z' }] });
    expect(await healthVisitor.get(`/records/${w.hungry.id}`)).toEqual({ status: 404, body: NO_SUCH_RECORD });
    const before = await sharingRows(t.db());

    problem(await lead.post('/share-decisions', w.share()), 'The decision cannot be recorded yet.', [
      { pointer: '/answers/consent/consentId', detail: 'This consent has been withdrawn' },
    ]);
    expect(await lead.post(`/consents/${w.consent.id}/withdrawal`, { reason: 'again' })).toMatchObject({ status: 409, body: { detail: 'This consent has already been withdrawn.' } });
    // A refusal is not consent.
    const refusal = await created(lead.post(`/people/${w.jack.id}/consents`, {
      purposeCode: 'welfare_monitoring', purpose: 'Check with the health visitor', recipientAgencyIds: [w.agency.healthVisiting], decision: 'refused',
      form: 'explicit_verbal', givenBy: { capacity: 'parental_responsibility', personId: w.dawn.id }, obtainedAt: '2026-03-02T09:20:00Z',
    }));
    problem(await lead.post('/share-decisions', w.share({}, { consent: { status: 'given', consentId: refusal.id } })), 'The decision cannot be recorded yet.', [
      { pointer: '/answers/consent/consentId', detail: 'This consent was refused, not given' },
    ]);
    expect(await lead.post(`/consents/${refusal.id}/withdrawal`, { reason: 'x' })).toMatchObject({ status: 409, body: { detail: 'Only consent that was given can be withdrawn.' } });
    expect(await sharingRows(t.db())).toEqual({ ...before, consent: before.consent! + 1 });
    expect(await healthVisitor.get(`/records/${w.hungry.id}`)).toEqual({ status: 404, body: NO_SUCH_RECORD });
  });
});
