import { openEpisode, recordEpisodeAction } from '../../process/episodes.ts';
import { RecordAction } from '../../process/schemas.ts';
import { fictionalNhsNumber, from, type Story } from '../story.ts';

/**
 * Case example 7 — sharing confidential information without consent in a case of underage sex.
 * Natasha says she is 14. Everything the sexual health clinic records about her is restricted:
 * only the health practitioner who wrote it, the child protection nurse once she is named on it,
 * and the clinic's safeguarding lead can read it; other clinic staff cannot. The clinic's entry
 * holds the age and address Natasha gave, which the practitioner suspects may be false.
 */
export function caseNatasha(d: Story): void {
  d.addCast({
    natasha: {
      kind: 'child', names: [{ givenNames: 'Natasha', familyName: 'Reid' }], dateOfBirth: d.born(14, 2), sex: 'female',
      addresses: [{ line1: 'Flat 3, 18 Harbour Street', town: 'Northshire', postcode: 'NS6 3RA' }],
    },
  });
  const restricted = { restricted: true, confidential: true } as const;

  d.opens({ by: 'natashasPractitioner', at: d.day(95, '16:10'), people: ['natasha'], lead: 'natashasPractitioner' });
  d.record({
    key: 'natashaFirstVisit',
    by: 'natashasPractitioner', about: 'natasha', at: d.day(95, '16:20'), recorded: d.day(95, '17:15'), kind: 'appointment', outcome: 'attended', ...restricted,
    categories: ['other'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.child('Natasha'),
    sensitiveCategories: ['sexual_life', 'physical_or_mental_health'],
    summary: 'Attended with a friend with symptoms of a sexually transmitted infection; did not want to see her family GP',
    details: 'Says she is 14; I think she looks younger. Sexual relationship with her boyfriend for about three months; refuses to give any information about him. '
      + 'Says she is very happy and does not feel coerced. Has not told her boyfriend she has come. Does not want her parents to know anything at all. '
      + 'Could not persuade her to involve her parents. Fraser guidelines applied: on balance she is capable of consenting to treatment. '
      + 'Advice given on sexual health and contraception.',
  });
  d.record({
    key: 'natashaResults',
    by: 'natashasPractitioner', about: 'natasha', at: d.day(90, '16:30'), kind: 'appointment', outcome: 'attended', ...restricted,
    categories: ['other'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(),
    sensitiveCategories: ['sexual_life', 'physical_or_mental_health'],
    summary: 'Tests confirm an STI; treated. Encouraged her to tell her boyfriend, who needs treatment too: she agreed',
  });

  // Some months later.
  d.record({
    key: 'natashaSecondVisit',
    by: 'natashasPractitioner', about: 'natasha', at: d.day(20, '15:40'), recorded: d.day(20, '17:00'), kind: 'appointment', outcome: 'attended', ...restricted,
    categories: ['physical_abuse', 'sexual_abuse'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.child('Natasha'),
    sensitiveCategories: ['sexual_life', 'physical_or_mental_health'],
    summary: 'Returned with further symptoms: pregnant, a different STI, weight loss, and faded bruises to the left side of her face',
    details: 'Still refuses to involve her parents; wants a termination. Became agitated when I mentioned the bruises and wanted to leave; I persuaded her to stay. '
      + 'She is upset because her boyfriend has other girlfriends, has been seen in his car with girls from his workplace, and has tried to persuade her to have group sex with his friends.',
    childsWords: 'I walked into a door.',
  });
  d.record({
    key: 'natashaConcern',
    by: 'natashasPractitioner', about: 'natasha', at: d.day(20, '15:40'), recorded: d.day(20, '17:10'), kind: 'concern', ...restricted,
    categories: ['sexual_abuse', 'exploitation', 'domestic_abuse'], factOrOpinion: 'opinion', reportedOrWitnessed: 'witnessed', source: from.practitioner(),
    sensitiveCategories: ['sexual_life'],
    summary: 'Her boyfriend is probably much older (working and driving), is coercing her into sexual activity, and may have been violent to her',
    details: 'I suspect Natasha may have given a false age and address. Further appointment in a few days to try to persuade her to involve her parents or another trusted adult.',
  });

  // The practitioner brings in the child protection nurse and names her on everything so far.
  for (const key of ['natashaFirstVisit', 'natashaResults', 'natashaSecondVisit', 'natashaConcern']) d.restrict(d.day(19, '09:00'), 'natashasPractitioner', key, ['cpNurse']);
  d.record({
    by: 'natashasPractitioner', about: 'natasha', at: d.day(19, '09:30'), kind: 'contact', ...restricted, named: ['cpNurse'],
    categories: ['sexual_abuse', 'exploitation'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(),
    sensitiveCategories: ['sexual_life'],
    summary: 'Discussed Natasha with the child protection nurse; will check with other agencies whether her age and address are true',
  });
  d.record({
    by: 'natashasPractitioner', about: 'natasha', at: d.day(17, '16:00'), recorded: d.day(17, '16:45'), kind: 'appointment', outcome: 'attended', ...restricted, named: ['cpNurse'],
    categories: ['sexual_abuse'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.child('Natasha'),
    sensitiveCategories: ['sexual_life'],
    summary: 'Natasha returned; she cannot be persuaded to involve her parents or another adult',
  });
  d.record({
    by: 'cpNurse', about: 'natasha', at: d.day(17, '17:00'), recorded: d.day(17, '17:40'), kind: 'contact', ...restricted, named: ['natashasPractitioner'],
    categories: ['sexual_abuse', 'exploitation', 'domestic_abuse'], factOrOpinion: 'opinion', reportedOrWitnessed: 'witnessed', source: from.practitioner(),
    sensitiveCategories: ['sexual_life'],
    summary: "Decision with the health practitioner: refer to children's social care and the police without Natasha's consent",
    details: "Weighed against Natasha's right to privacy: she is at risk of significant harm; her boyfriend may be violent and may be committing an offence "
      + 'by having a sexual relationship with someone her age; other girls may be at risk too (Working Together, chapter 5).',
  });

  // Children's social care receives the referral.
  // Children's social care traces her NHS number, which the clinic never had (fictional, 999 range).
  d.opens({ by: 'dutySocialWorker', at: d.day(16, '10:00'), people: ['natasha'], lead: 'dutySocialWorker', differs: { natasha: { nhsNumber: fictionalNhsNumber(700_001) } } });
  d.record({
    by: 'dutySocialWorker', about: 'natasha', at: d.day(16, '10:00'), kind: 'contact',
    categories: ['sexual_abuse', 'exploitation'], factOrOpinion: 'fact', reportedOrWitnessed: 'reported', source: from.professional('Child protection nurse, Northshire Sexual Health Clinic'), confidential: true,
    sensitiveCategories: ['sexual_life'],
    summary: 'Telephone referral: 14-year-old girl at risk of sexual exploitation by an older boyfriend; possible violence',
    details: 'Age and address as given by the girl; the clinic is not sure they are true.',
  });

  // A fictional continuation, consistent with the case example: the enquiry finds continuing risk
  // and an initial conference makes Natasha the subject of a child protection plan. From then on a
  // health setting that looks her up (CP-IS) sees the flag and the authority's numbers.
  let episodeId = '';
  const step = (at: Date, key: string, action: Record<string, unknown>): void =>
    d.act(at, 'dutySocialWorker', `csc records ${key} for Natasha`, async (ctx) => {
      await recordEpisodeAction(ctx, episodeId, RecordAction.parse({ idempotencyKey: `demo-natasha-${key}`, occurredAt: at.toISOString(), action }));
    });
  d.act(d.day(16, '10:05'), 'dutySocialWorker', "csc opens Natasha's episode", async (ctx, ref) => {
    episodeId = (await openEpisode(ctx, { idempotencyKey: 'demo-natasha-referral', childPersonId: ref.entry('natasha'), receivedAt: d.day(16, '10:00').toISOString(), channel: 'phone', allocatedWorkerId: ref.practitioner('dutySocialWorker') })).id;
  });
  step(d.day(16, '11:00'), 'acknowledged', { type: 'referral_acknowledged' });
  step(d.day(16, '12:00'), 'decided', { type: 'referral_decided', outcome: 'strategy_discussion', reasons: 'A 14-year-old at risk of sexual exploitation by an older man, with possible violence' });
  d.act(d.day(15, '10:00'), 'dutySocialWorker', 'csc holds the strategy discussion for Natasha', async (ctx, ref) => {
    const agencies = [ref.agency('dutySocialWorker'), ref.agency('ppuSergeant'), ref.agency('cpNurse')];
    await recordEpisodeAction(ctx, episodeId, RecordAction.parse({ idempotencyKey: 'demo-natasha-strategy', occurredAt: d.day(15, '10:00').toISOString(), action: {
      type: 'strategy_discussion_held', s47: true, participants: agencies.map((agencyId) => ({ agencyId })), policeInvestigation: true,
      immediateSafety: 'Natasha to be seen at school today; the police to identify the boyfriend', familyToBeTold: 'Social worker and police officer see her parents tomorrow',
    } }));
  });
  step(d.day(15, '16:00'), 'record-circulated', { type: 'strategy_record_circulated' });
  step(d.day(5, '15:00'), 's47', { type: 's47_concluded', outcome: 'continuing_risk', summary: 'Sexual exploitation by a man in his twenties; continuing risk of significant harm' });
  d.act(d.day(3, '10:00'), 'dutySocialWorker', 'initial conference for Natasha', async (ctx, ref) => {
    const invited = [ref.agency('dutySocialWorker'), ref.agency('ppuSergeant'), ref.agency('cpNurse')];
    await recordEpisodeAction(ctx, episodeId, RecordAction.parse({ idempotencyKey: 'demo-natasha-conference', occurredAt: d.day(3, '10:00').toISOString(), action: {
      type: 'conference_held', kind: 'initial', plan: true, invitedAgencyIds: invited, attendedAgencyIds: invited, parentsParticipation: 'Both parents attended; Natasha gave her views through her social worker',
      planDetails: {
        category: 'sexual_abuse', leadAgencyId: invited[0], keyWorkerId: ref.practitioner('dutySocialWorker'), coreGroup: [ref.practitioner('dutySocialWorker'), ref.practitioner('cpNurse')],
        outlinePlan: 'Weekly visits; sexual health follow-up at the clinic; police disruption of the boyfriend', contingencyPlan: 'Strategy discussion the same day if she goes missing',
      },
    } }));
  });
}
