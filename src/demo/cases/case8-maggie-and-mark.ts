import { openEpisode, recordEpisodeAction } from '../../process/episodes.ts';
import { RecordAction } from '../../process/schemas.ts';
import { fictionalNhsNumber, from, type Story } from '../story.ts';

/**
 * Case example 8 — failure to share information adequately in a child protection case.
 *
 * Every agency here holds a piece: probation knows Mark's violence towards his other children's
 * mothers and Maggie's history; the police hold old domestic incidents; children's social care's
 * own migrated records show Maggie's first child was on the child protection register. None of it
 * is brought together. The social worker closes the case twice, the last time after three visits
 * with no access, leaving a message asking the health visitor to monitor; the health visitor
 * cannot get access either.
 *
 * The demo stops there, with the baby alive: the point at which putting the pieces together could
 * still change what happens next. (In the case example the baby died the following month.)
 */
export function caseMaggieAndMark(d: Story): void {
  const mothersHouse = { line1: '23 Rowan Road', town: 'Northshire', postcode: 'NS7 2DF' };
  const marksFlat = { line1: 'Flat 9, Carlton House', line2: 'Weir Street', town: 'Northshire', postcode: 'NS7 5JH' };
  const told = d.day(215, '11:00');
  const birth = d.day(80, '03:40');
  const movedIn = d.dateOf(d.day(79));
  d.addCast({
    maggie: {
      kind: 'adult', names: [{ givenNames: 'Maggie', familyName: 'Fletcher' }], dateOfBirth: d.born(24, 5), sex: 'female',
      addresses: [{ ...mothersHouse, validTo: movedIn }, { ...marksFlat, validFrom: movedIn }],
    },
    mark: { kind: 'adult', names: [{ givenNames: 'Mark', familyName: 'Tulley' }], dateOfBirth: d.born(33, 2), sex: 'male', addresses: [marksFlat] },
    // Probation learnt of the pregnancy and was never told of the birth: its entry is still the unborn baby.
    unbornBaby: {
      kind: 'unborn', names: [{ givenNames: 'Baby', familyName: 'Fletcher' }], sex: 'unknown',
      expectedDateOfDelivery: d.dateOf(d.day(77)),
    },
    lily: {
      kind: 'child', names: [{ givenNames: 'Lily', familyName: 'Fletcher' }], dateOfBirth: d.dateOf(birth), sex: 'female',
      nhsNumber: fictionalNhsNumber(810_001), addresses: [marksFlat],
    },
  });
  const couple = [['maggie', 'partner', 'mark'], ['mark', 'partner', 'maggie']] as const;
  const lilysFamily = [
    ['lily', 'parent', 'maggie'], ['lily', 'parental_responsibility', 'maggie'], ['lily', 'primary_carer', 'maggie'],
    ['lily', 'parent', 'mark'], ['lily', 'household_member', 'mark', movedIn],
  ] as const;
  const maggieBefore = { maggie: { addresses: [mothersHouse] } };

  // Historical records, migrated when each agency started using Jigsaw: recorded long after they happened.
  d.opens({ by: 'probationLead', at: d.day(898, '09:00'), people: ['mark'], differs: { mark: { addresses: [] } } });
  d.record({
    by: 'probationLead', about: 'mark', at: d.day(1700, '10:00'), recorded: d.day(898, '09:10'), kind: 'concern',
    categories: ['domestic_abuse', 'physical_abuse'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: true,
    sensitiveCategories: ['offences_and_proceedings'],
    summary: 'Supervised on licence after a conviction for assault on a former partner; violent and abusive towards partners',
    details: 'Migrated from the previous case management system. Mark has children with several women. There have been concerns about the safety of all of the children because of his violent and abusive behaviour.',
  });
  d.record({
    by: 'probationLead', about: 'mark', at: d.day(1450, '10:00'), recorded: d.day(898, '09:15'), kind: 'concern',
    categories: ['domestic_abuse', 'physical_abuse', 'emotional_abuse'], factOrOpinion: 'fact', reportedOrWitnessed: 'reported', source: from.professional('Children\'s services of two other authorities'), confidential: true,
    sensitiveCategories: ['offences_and_proceedings'],
    summary: 'Two of his children have been on the child protection register; their mothers have restricted his access to them',
    details: 'Migrated from the previous case management system.',
  });
  d.opens({ by: 'policeLead', at: d.day(898, '11:00'), people: ['mark'], differs: { mark: { addresses: [] } } });
  d.record({
    by: 'policeLead', about: 'mark', at: d.day(1400, '23:30'), recorded: d.day(898, '11:10'), kind: 'incident',
    categories: ['domestic_abuse'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: true,
    sensitiveCategories: ['offences_and_proceedings'],
    summary: 'Domestic incident at a former partner\'s home: Mark arrested; the victim did not support a prosecution; children present',
    details: 'Migrated from the previous records system.',
  });
  d.opens({ by: 'cscHead', at: d.day(898, '14:00'), people: ['maggie'], differs: { maggie: { addresses: [] } } });
  d.record({
    by: 'cscHead', about: 'maggie', at: d.day(2600, '10:00'), recorded: d.day(898, '14:10'), kind: 'observation',
    categories: ['neglect'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: true,
    summary: 'Maggie was in the care of the local authority as a child; troubled adolescence with offending behaviour',
    details: 'Migrated from the previous social care system.',
  });
  d.record({
    by: 'cscHead', about: 'maggie', at: d.day(1300, '10:00'), recorded: d.day(898, '14:15'), kind: 'concern',
    categories: ['neglect'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: true,
    summary: "Maggie's first child was on the child protection register for neglect and now lives permanently with the maternal grandmother",
    details: 'Migrated from the previous social care system. Her second child was taken by his father to live with his family.',
  });

  // Probation: Maggie is on a community order.
  d.opens({ by: 'maggiesPO', at: d.day(260, '10:00'), people: ['maggie'], lead: 'maggiesPO', differs: maggieBefore });
  d.record({
    by: 'maggiesPO', about: 'maggie', at: d.day(260, '10:00'), kind: 'contact',
    categories: ['offending'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: true,
    sensitiveCategories: ['offences_and_proceedings'],
    summary: 'First supervision appointment on a community order; living at her mother\'s house',
  });
  d.opens({ by: 'maggiesPO', at: told, people: ['unbornBaby'], lead: 'maggiesPO', relationships: [
    ['unbornBaby', 'parent', 'maggie'], ['unbornBaby', 'parent', 'mark'], ...couple,
  ] });
  d.record({
    by: 'maggiesPO', about: 'maggie', at: told, kind: 'contact',
    categories: ['other'], factOrOpinion: 'fact', reportedOrWitnessed: 'reported', source: from.parent('Maggie'), confidential: true,
    sensitiveCategories: ['physical_or_mental_health'],
    summary: 'Maggie told me she is pregnant and named the father: Mark Tulley',
  });
  d.record({
    by: 'maggiesPO', about: 'unbornBaby', at: d.day(215, '14:00'), kind: 'concern',
    categories: ['domestic_abuse', 'neglect'], factOrOpinion: 'opinion', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: true,
    sensitiveCategories: ['offences_and_proceedings'],
    summary: "Checked our records: the father is known to probation for violence. I am concerned about Maggie's ability to care for and protect this baby",
    details: 'Mark has children with several other women; two have been on the child protection register and their mothers have restricted his access. '
      + 'Maggie was in care as a child, had a troubled adolescence with offending, and neither of her two previous children lives with her.',
  });
  const referral = d.day(214, '10:30');
  d.record({
    by: 'maggiesPO', about: 'unbornBaby', at: referral, kind: 'contact',
    categories: ['domestic_abuse', 'neglect'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: true,
    summary: "Telephoned the children's social care team manager and the police: agreed the case should be referred",
  });

  // Children's social care: the referral and the first initial assessment, about the unborn child,
  // recorded on the mother's entry.
  d.opens({ by: 'teamManager', at: d.day(214, '10:45'), people: ['mark'], relationships: couple });
  d.record({
    by: 'teamManager', about: 'maggie', at: referral, recorded: d.day(214, '11:15'), kind: 'contact',
    categories: ['domestic_abuse', 'neglect'], factOrOpinion: 'fact', reportedOrWitnessed: 'reported', source: from.professional('Emma Sinclair, probation officer'), confidential: true,
    summary: 'Telephone referral from probation about Maggie\'s unborn baby: father known to probation for violence',
  });
  d.lead(d.day(213, '09:00'), 'teamManager', 'maggie', 'maggiesSocialWorker');
  d.lead(d.day(213, '09:00'), 'teamManager', 'mark', 'maggiesSocialWorker');
  d.opens({ by: 'ppuSergeant', at: d.day(212, '10:00'), people: ['maggie'], relationships: couple, differs: maggieBefore, lead: 'ppuSergeant' });
  d.lead(d.day(212, '10:00'), 'ppuSergeant', 'mark', 'ppuSergeant');
  d.record({
    by: 'ppuSergeant', about: 'mark', at: d.day(212, '10:00'), kind: 'contact',
    categories: ['offending'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: true,
    sensitiveCategories: ['offences_and_proceedings'],
    summary: "Checked Mark Tulley's criminal record for children's social care: convictions, none for offences against children",
  });
  d.record({
    by: 'maggiesSocialWorker', about: 'maggie', at: d.day(208, '14:00'), kind: 'home_visit', outcome: 'seen',
    categories: ['neglect'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: true,
    summary: "Initial assessment (unborn child): saw Maggie at her mother's house",
  });
  d.record({
    by: 'maggiesSocialWorker', about: 'mark', at: d.day(205, '17:30'), kind: 'home_visit', outcome: 'no_access',
    categories: ['domestic_abuse'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: false,
    summary: 'Visited to meet Mark about the unborn baby: no reply',
  });
  d.record({
    by: 'maggiesSocialWorker', about: 'maggie', at: d.day(200, '11:00'), kind: 'home_visit', outcome: 'seen',
    categories: ['domestic_abuse'], factOrOpinion: 'fact', reportedOrWitnessed: 'reported', source: from.parent('Maggie'), confidential: true,
    summary: 'Maggie says she and Mark have separated and that she has never had a violent relationship',
  });
  d.record({
    by: 'maggiesSocialWorker', about: 'mark', at: d.day(197, '10:00'), kind: 'contact',
    categories: ['domestic_abuse'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: false,
    summary: 'Letter to Mark asking him to meet me: no reply',
  });
  d.record({
    by: 'maggiesSocialWorker', about: 'maggie', at: d.day(193, '14:00'), kind: 'home_visit', outcome: 'seen',
    categories: ['neglect'], factOrOpinion: 'opinion', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: true,
    summary: "Saw Maggie again at her mother's house: well prepared for the baby; good support from her mother",
  });
  d.record({
    by: 'maggiesSocialWorker', about: 'maggie', at: d.day(190, '16:00'), kind: 'observation',
    categories: ['neglect'], factOrOpinion: 'opinion', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: true,
    summary: 'Initial assessment complete: no further action; case closed',
  });

  // The same referral and assessment as an episode about the unborn child (what the Children in
  // Need census counts: an unborn child, by the expected date of delivery): probation's referral,
  // an initial assessment, no further action, closed. The notes above stay on the mother's entry.
  d.opens({ by: 'teamManager', at: d.day(214, '10:50'), people: ['unbornBaby'] });
  let babyEpisode = '';
  const babyStep = (at: Date, by: string, key: string, action: Record<string, unknown>): void =>
    d.act(at, by, `csc records ${key} for the unborn baby`, async (ctx) => {
      await recordEpisodeAction(ctx, babyEpisode, RecordAction.parse({ idempotencyKey: `demo-baby-fletcher-${key}`, occurredAt: at.toISOString(), action }));
    });
  d.act(d.day(214, '10:55'), 'teamManager', "csc opens the unborn baby's episode", async (ctx, ref) => {
    babyEpisode = (await openEpisode(ctx, {
      idempotencyKey: 'demo-baby-fletcher-referral', childPersonId: ref.entry('unbornBaby'), receivedAt: referral.toISOString(), channel: 'phone',
      allocatedWorkerId: ref.practitioner('maggiesSocialWorker'), referralSource: '7',
    })).id;
  });
  babyStep(d.day(214, '11:20'), 'teamManager', 'acknowledged', { type: 'referral_acknowledged' });
  babyStep(d.day(213, '09:00'), 'teamManager', 'decided', { type: 'referral_decided', outcome: 'assessment', reasons: 'Unborn baby; the father is known to probation for violence', primaryNeed: 'N1' });
  babyStep(d.day(208, '13:00'), 'maggiesSocialWorker', 'assessment-started', { type: 'assessment_started', kind: 'single' });
  babyStep(d.day(190, '16:00'), 'maggiesSocialWorker', 'assessment-completed', {
    type: 'assessment_completed', kind: 'single', outcome: 'no_further_action', summary: 'Initial assessment complete: no further action; case closed',
    factors: ['3B'], closureReason: 'RC8',
  });

  // The midwife books Maggie.
  d.opens({ by: 'maggiesMidwife', at: d.day(205, '09:30'), people: ['maggie', 'mark'], lead: 'maggiesMidwife', relationships: couple, differs: maggieBefore });
  d.record({
    by: 'maggiesMidwife', about: 'maggie', at: d.day(205, '09:30'), kind: 'appointment', outcome: 'attended',
    categories: ['other'], factOrOpinion: 'fact', reportedOrWitnessed: 'reported', source: from.parent('Maggie'), confidential: true,
    sensitiveCategories: ['physical_or_mental_health'],
    summary: 'Booking appointment: third pregnancy; neither previous child lives with Maggie',
  });

  // The relationship resumes.
  d.record({
    by: 'maggiesPO', about: 'maggie', at: d.day(150, '10:00'), kind: 'observation',
    categories: ['domestic_abuse'], factOrOpinion: 'fact', reportedOrWitnessed: 'reported', source: from.parent('Maggie'), confidential: true,
    summary: 'Maggie and Mark have resumed their relationship',
  });
  d.record({
    by: 'maggiesPO', about: 'unbornBaby', at: d.day(150, '11:30'), kind: 'contact',
    categories: ['domestic_abuse'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: true,
    summary: "Told children's social care that Maggie and Mark are back together",
  });
  d.record({
    by: 'maggiesSocialWorker', about: 'maggie', at: d.day(150, '11:30'), recorded: d.day(150, '12:00'), kind: 'contact',
    categories: ['domestic_abuse'], factOrOpinion: 'fact', reportedOrWitnessed: 'reported', source: from.professional('Emma Sinclair, probation officer'), confidential: true,
    summary: 'Probation report that Maggie and Mark have resumed their relationship',
  });
  d.record({
    by: 'maggiesSocialWorker', about: 'maggie', at: d.day(149, '15:00'), kind: 'observation',
    categories: ['domestic_abuse'], factOrOpinion: 'opinion', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: true,
    summary: 'Maggie has a good level of support; I stand by the decision of no further action',
  });
  d.record({
    by: 'maggiesMidwife', about: 'maggie', at: d.day(150, '14:00'), kind: 'appointment', outcome: 'attended',
    categories: ['other'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: true,
    sensitiveCategories: ['physical_or_mental_health'],
    summary: 'Antenatal check: baby growing well',
  });

  // The birth. Maggie moves in with Mark.
  d.opens({ by: 'maggiesMidwife', at: d.day(79, '10:00'), people: ['lily'], lead: 'maggiesMidwife', relationships: lilysFamily });
  d.record({
    by: 'maggiesMidwife', about: 'lily', at: d.day(78, '11:00'), kind: 'home_visit', outcome: 'seen',
    categories: ['neglect', 'domestic_abuse'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: true,
    sensitiveCategories: ['physical_or_mental_health'],
    summary: "Postnatal visit at Mark's flat: Maggie has moved in with Mark",
  });
  d.record({
    by: 'maggiesMidwife', about: 'lily', at: d.day(77, '09:30'), kind: 'concern',
    categories: ['neglect', 'domestic_abuse'], factOrOpinion: 'opinion', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: true,
    summary: "I am concerned about the baby's welfare and have told children's social care",
  });

  // Children's social care: the second initial assessment.
  d.opens({ by: 'maggiesSocialWorker', at: d.day(77, '10:00'), people: ['lily'], lead: 'maggiesSocialWorker', relationships: lilysFamily, differs: { lily: { nhsNumber: undefined } } });
  d.record({
    by: 'maggiesSocialWorker', about: 'lily', at: d.day(77, '09:45'), recorded: d.day(77, '10:15'), kind: 'contact',
    categories: ['neglect', 'domestic_abuse'], factOrOpinion: 'fact', reportedOrWitnessed: 'reported', source: from.professional('Amina Yusuf, community midwife'), confidential: true,
    summary: "Community midwife concerned about the baby's welfare now that Maggie has moved in with Mark",
  });
  d.record({
    by: 'teamManager', about: 'lily', at: d.day(76, '14:00'), kind: 'observation',
    categories: ['neglect', 'domestic_abuse'], factOrOpinion: 'opinion', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: true,
    summary: 'Management decision after consultation with the social worker: a new initial assessment',
  });
  const seen = d.day(72, '11:00');
  const nextVisit = d.day(62, '11:00');
  d.record({
    by: 'maggiesSocialWorker', about: 'lily', at: seen, kind: 'home_visit', outcome: 'seen',
    categories: ['neglect'], factOrOpinion: 'opinion', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: true,
    summary: 'Visited Maggie with the baby: Maggie coping well; the baby appears well cared for',
    details: `Mark was not there. Next visit agreed for ${d.say(nextVisit)}.`,
  });
  d.record({
    by: 'maggiesSocialWorker', about: 'lily', at: d.day(71, '10:00'), kind: 'contact',
    categories: ['other'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: false,
    summary: `Letter to Maggie confirming the visit on ${d.say(nextVisit)}`,
  });
  for (const [n, summary] of [
    [62, 'Visit as arranged: no reply'],
    [45, 'Second failed attempt to see Maggie and the baby: no reply'],
    [31, 'Third failed attempt to see Maggie and the baby: no reply'],
  ] as const) {
    d.record({
      by: 'maggiesSocialWorker', about: 'lily', at: d.day(n, '11:00'), kind: 'home_visit', outcome: 'no_access',
      categories: ['neglect'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: false,
      summary,
    });
  }
  d.record({
    key: 'caseClosed',
    by: 'maggiesSocialWorker', about: 'lily', at: d.day(29, '15:00'), kind: 'observation',
    categories: ['neglect'], factOrOpinion: 'opinion', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: true,
    summary: 'Case closed: no further referrals from the health visitor',
  });
  d.record({
    by: 'maggiesSocialWorker', about: 'lily', at: d.day(29, '15:20'), kind: 'contact',
    categories: ['neglect'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: false,
    summary: 'Left a message for the health visitor: case closed; asked her to monitor the baby and refer again if necessary',
  });

  // The health visitor.
  d.opens({ by: 'lilysHV', at: d.day(68, '10:00'), people: ['maggie', 'mark', 'lily'], lead: 'lilysHV', relationships: [...lilysFamily, ...couple] });
  d.record({
    by: 'maggiesMidwife', about: 'lily', at: d.day(68, '09:00'), kind: 'contact',
    categories: ['other'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: true,
    summary: 'Discharged from midwifery care; handed over to the health visitor',
  });
  d.record({
    by: 'lilysHV', about: 'lily', at: d.day(66, '14:00'), kind: 'home_visit', outcome: 'seen',
    categories: ['development'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: true,
    sensitiveCategories: ['physical_or_mental_health'],
    summary: 'New birth visit: Lily feeding and gaining weight',
  });
  d.record({
    by: 'lilysHV', about: 'lily', at: d.day(29, '15:20'), recorded: d.day(28, '09:15'), kind: 'contact',
    categories: ['neglect'], factOrOpinion: 'fact', reportedOrWitnessed: 'reported', source: from.professional("Rachel Dunn, social worker, children's social care"), confidential: false,
    summary: "Message from the social worker: children's social care has closed the case; asks me to monitor the baby and refer again if necessary",
  });
  for (const n of [24, 15, 6] as const) {
    d.record({
      by: 'lilysHV', about: 'lily', at: d.day(n, '10:30'), kind: 'home_visit', outcome: 'no_access',
      categories: ['neglect'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: false,
      summary: 'Home visit: no access to Maggie and the baby',
    });
  }
}
