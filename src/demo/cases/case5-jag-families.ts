import { from, type Story } from '../story.ts';

/**
 * Case example 5 — sharing information without consent for targeted action on anti-social and
 * criminal behaviour. The joint action group (JAG: the council's social inclusion unit, police,
 * probation, YOS, the housing trust and Connexions) selects three families and agrees who does
 * what. Neighbours who report problems are identity-protected; so are the housing trust's
 * anonymous callers.
 */
export function caseJagFamilies(d: Story): void {
  const kestrel = { line1: '7 Kestrel Close', town: 'Northshire', postcode: 'NS4 8TJ' };
  const orchard = { line1: '31 Orchard Terrace', town: 'Northshire', postcode: 'NS4 6LP' };
  const millbrook = { line1: '2 Millbrook Court', town: 'Northshire', postcode: 'NS4 9EW' };
  d.addCast({
    // Family 1
    paul: { kind: 'adult', names: [{ givenNames: 'Paul', familyName: 'Hewitt' }], dateOfBirth: d.born(44, 1), sex: 'male', addresses: [kestrel] },
    dawn: { kind: 'adult', names: [{ givenNames: 'Dawn', familyName: 'Hewitt' }], dateOfBirth: d.born(41, 9), sex: 'female', addresses: [kestrel] },
    tony: { kind: 'child', names: [{ givenNames: 'Tony', familyName: 'Hewitt' }], dateOfBirth: d.born(17, 5), sex: 'male', addresses: [kestrel] },
    louise: { kind: 'child', names: [{ givenNames: 'Louise', familyName: 'Hewitt' }], dateOfBirth: d.born(14, 3), sex: 'female', addresses: [kestrel] },
    // Family 2
    lee: { kind: 'adult', names: [{ givenNames: 'Lee', familyName: 'Fenwick' }], dateOfBirth: d.born(39, 4), sex: 'male', addresses: [orchard] },
    tracey: { kind: 'adult', names: [{ givenNames: 'Tracey', familyName: 'Fenwick' }], dateOfBirth: d.born(37, 11), sex: 'female', addresses: [orchard] },
    jordan: { kind: 'child', names: [{ givenNames: 'Jordan', familyName: 'Fenwick' }], dateOfBirth: d.born(14, 8), sex: 'male', addresses: [orchard] },
    ellie: { kind: 'child', names: [{ givenNames: 'Ellie', familyName: 'Fenwick' }], dateOfBirth: d.born(11, 2), sex: 'female', addresses: [orchard] },
    sam: { kind: 'child', names: [{ givenNames: 'Sam', familyName: 'Fenwick' }], dateOfBirth: d.born(9, 5), sex: 'male', addresses: [orchard] },
    // Family 3
    michelle: { kind: 'adult', names: [{ givenNames: 'Michelle', familyName: 'Ashworth' }], dateOfBirth: d.born(45, 6), sex: 'female', addresses: [millbrook] },
    charlie: { kind: 'child', names: [{ givenNames: 'Charlie', familyName: 'Ashworth' }], dateOfBirth: d.born(17, 9), sex: 'male', addresses: [millbrook] },
    benAshworth: { kind: 'child', names: [{ givenNames: 'Ben', familyName: 'Ashworth' }], dateOfBirth: d.born(14, 1), sex: 'male', addresses: [millbrook] },
  });
  const siblings = (...keys: string[]) => keys.flatMap((a) => keys.filter((b) => b !== a).map((b) => [a, 'sibling', b] as const));
  const childOf = (child: string, ...parentKeys: string[]) => parentKeys.flatMap((p) => [[child, 'parent', p], [child, 'parental_responsibility', p]] as const);
  const couple = (a: string, b: string) => [[a, 'partner', b], [b, 'partner', a]] as const;
  const family1 = [...childOf('tony', 'dawn', 'paul'), ...childOf('louise', 'dawn', 'paul'), ...siblings('tony', 'louise'), ...couple('paul', 'dawn')];
  const family2 = [...childOf('jordan', 'tracey', 'lee'), ...childOf('ellie', 'tracey', 'lee'), ...childOf('sam', 'tracey', 'lee'), ...siblings('jordan', 'ellie', 'sam'), ...couple('lee', 'tracey')];
  const family3 = [...childOf('charlie', 'michelle'), ...childOf('benAshworth', 'michelle'), ['charlie', 'primary_carer', 'michelle'], ['benAshworth', 'primary_carer', 'michelle'], ...siblings('charlie', 'benAshworth')] as const;

  // Probation: Paul's order for drug-related offences.
  d.opens({ by: 'hewittPO', at: d.day(380, '10:00'), people: ['paul', 'dawn', 'tony', 'louise'], lead: 'hewittPO', relationships: [
    ['paul', 'partner', 'dawn'], ['paul', 'household_member', 'tony'], ['paul', 'household_member', 'louise'],
  ] });
  d.record({
    by: 'hewittPO', about: 'paul', at: d.day(380, '10:00'), kind: 'contact',
    categories: ['offending', 'substance_misuse'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: true,
    sensitiveCategories: ['offences_and_proceedings', 'physical_or_mental_health'],
    summary: 'Supervision started after conviction for drug-related offences; on a methadone maintenance programme',
    details: 'Lives with his partner Dawn (also on methadone maintenance) and their children Tony and Louise.',
  });

  // Police: all three families.
  d.opens({ by: 'jagInspector', at: d.day(150, '23:30'), people: ['paul', 'dawn', 'tony', 'louise', 'lee', 'tracey', 'jordan', 'ellie', 'sam', 'michelle', 'charlie', 'benAshworth'], lead: 'jagInspector', relationships: [
    ...family1, ...family2, ...family3,
  ] });
  d.record({
    by: 'jagInspector', about: 'lee', at: d.day(150, '22:10'), recorded: d.day(150, '23:40'), kind: 'incident',
    categories: ['offending'], factOrOpinion: 'fact', reportedOrWitnessed: 'reported', source: from.public('Neighbour, Orchard Terrace (details on the incident log)'), confidential: true,
    summary: 'Neighbour reports threatening behaviour by Lee and Tracey Fenwick',
  });
  d.record({
    by: 'jagInspector', about: 'tracey', at: d.day(150, '22:10'), recorded: d.day(150, '23:45'), kind: 'incident',
    categories: ['offending'], factOrOpinion: 'fact', reportedOrWitnessed: 'reported', source: from.public('Neighbour, Orchard Terrace (details on the incident log)'), confidential: true,
    summary: 'Neighbour reports threatening behaviour by Lee and Tracey Fenwick',
  });
  d.record({
    by: 'jagInspector', about: 'michelle', at: d.day(140, '23:20'), recorded: d.day(139, '01:00'), kind: 'incident',
    categories: ['domestic_abuse'], factOrOpinion: 'fact', reportedOrWitnessed: 'reported', source: from.public('Neighbours, Millbrook Court'), confidential: true,
    summary: 'Called to Millbrook Court after neighbours complained of shouting; mother says there is no problem',
  });
  d.record({
    by: 'jagInspector', about: 'tony', at: d.day(120, '22:15'), recorded: d.day(120, '23:30'), kind: 'incident',
    categories: ['offending', 'substance_misuse'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: false,
    summary: 'Large group of youths dispersed from the shops on Kestrel Parade; Tony aggressive when approached',
  });
  d.record({
    by: 'jagInspector', about: 'benAshworth', at: d.day(110, '23:50'), recorded: d.day(109, '00:40'), kind: 'incident',
    categories: ['substance_misuse'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: false,
    summary: 'Ben picked up drunk and disorderly and returned home',
  });
  d.record({
    by: 'jagInspector', about: 'lee', at: d.day(90, '21:00'), recorded: d.day(90, '22:30'), kind: 'incident',
    categories: ['offending'], factOrOpinion: 'fact', reportedOrWitnessed: 'reported', source: from.public('Neighbour, Orchard Terrace (details on the incident log)'), confidential: true,
    summary: 'Further report of threats to neighbours',
  });
  d.record({
    by: 'jagInspector', about: 'charlie', at: d.day(80, '11:00'), kind: 'incident',
    categories: ['offending', 'substance_misuse'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: true,
    sensitiveCategories: ['offences_and_proceedings'],
    summary: 'Convicted of actual bodily harm after a drunken fight in a nightclub',
    details: 'Police believe drugs were at the centre of the argument.',
  });
  d.record({
    by: 'jagInspector', about: 'tony', at: d.day(70, '22:00'), recorded: d.day(69, '09:00'), kind: 'incident',
    categories: ['offending', 'substance_misuse'], factOrOpinion: 'fact', reportedOrWitnessed: 'reported', source: from.public('Three residents near Kestrel Parade'), confidential: true,
    summary: 'Members of the public report feeling intimidated and being abused by the group Tony hangs around with',
    details: 'Police suspect drug and alcohol misuse is rife in the group.',
  });
  d.record({
    by: 'jagInspector', about: 'benAshworth', at: d.day(65, '23:15'), recorded: d.day(64, '00:20'), kind: 'incident',
    categories: ['substance_misuse'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: false,
    summary: 'Ben picked up drunk and disorderly again and returned home',
  });
  d.record({
    by: 'jagInspector', about: 'louise', at: d.day(60, '21:30'), recorded: d.day(60, '23:00'), kind: 'observation',
    categories: ['exploitation', 'substance_misuse'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: false,
    summary: 'Louise seen with the same group as her brother Tony',
  });
  for (const child of ['jordan', 'ellie', 'sam']) {
    d.record({
      by: 'jagInspector', about: child, at: d.day(55, '10:00'), kind: 'concern',
      categories: ['neglect', 'offending'], factOrOpinion: 'fact', reportedOrWitnessed: 'reported', source: from.public('Neighbours, Orchard Terrace'), confidential: true,
      summary: 'Neighbours report the Fenwick children on the streets late at night, swearing at neighbours, damaging property and bullying other children',
      details: 'When neighbours challenge the parents they refuse to accept that the children are doing anything wrong and become abusive.',
    });
  }
  d.record({
    by: 'jagInspector', about: 'lee', at: d.day(48, '15:00'), kind: 'incident',
    categories: ['offending'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: true,
    sensitiveCategories: ['offences_and_proceedings'],
    summary: 'Lee Fenwick charged with a public order offence following the threats',
  });

  // The housing trust: tenancies at Orchard Terrace and Millbrook Court.
  d.opens({ by: 'tenancyOfficer', at: d.day(600, '10:00'), people: ['lee', 'tracey', 'jordan', 'ellie', 'sam', 'michelle', 'charlie', 'benAshworth'], lead: 'tenancyOfficer', relationships: [
    ['lee', 'partner', 'tracey'], ['lee', 'household_member', 'jordan'], ['lee', 'household_member', 'ellie'], ['lee', 'household_member', 'sam'],
    ['michelle', 'household_member', 'charlie'], ['michelle', 'household_member', 'benAshworth'],
  ] });
  for (const [n, hhmm] of [[130, '21:05'], [100, '22:40'], [62, '20:15']] as const) {
    d.record({
      by: 'tenancyOfficer', about: 'michelle', at: d.day(n, hhmm), recorded: d.day(n - 1, '09:30'), kind: 'concern',
      categories: ['domestic_abuse'], factOrOpinion: 'fact', reportedOrWitnessed: 'reported', source: from.anonymous('Anonymous telephone caller (number withheld)'), confidential: true,
      summary: 'Anonymous call reporting suspected domestic violence at 2 Millbrook Court',
    });
  }
  d.record({
    by: 'tenancyOfficer', about: 'lee', at: d.day(70, '14:00'), kind: 'concern',
    categories: ['offending'], factOrOpinion: 'fact', reportedOrWitnessed: 'reported', source: from.public('Tenant, Orchard Terrace'), confidential: true,
    summary: 'Complaint from a neighbour about threats and abuse from the Fenwick household',
  });

  // The youth offending service supervises Charlie after his conviction.
  d.opens({ by: 'yosManager', at: d.day(76, '10:00'), people: ['charlie', 'michelle'], lead: 'yosManager', relationships: [
    ['charlie', 'parent', 'michelle'], ['charlie', 'parental_responsibility', 'michelle'], ['charlie', 'primary_carer', 'michelle'],
  ] });
  d.record({
    by: 'yosManager', about: 'charlie', at: d.day(76, '10:00'), kind: 'appointment', outcome: 'attended',
    categories: ['offending', 'substance_misuse'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: true,
    sensitiveCategories: ['offences_and_proceedings'],
    summary: 'First supervision appointment on a youth rehabilitation order for actual bodily harm',
    details: 'Charlie says the fight was about money he was owed. He is unemployed and drinks most nights.',
  });
  d.record({
    by: 'yosManager', about: 'charlie', at: d.day(26, '15:00'), kind: 'observation',
    categories: ['offending', 'domestic_abuse'], factOrOpinion: 'opinion', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: true,
    summary: 'For the JAG: Charlie attends supervision but is not engaging with education or training; tension at home',
  });

  // Connexions and Louise.
  d.opens({ by: 'louisesAdviser', at: d.day(90, '14:00'), people: ['louise'], lead: 'louisesAdviser' });
  d.record({
    by: 'louisesAdviser', about: 'louise', at: d.day(45, '15:30'), kind: 'concern',
    categories: ['exploitation', 'substance_misuse'], factOrOpinion: 'fact', reportedOrWitnessed: 'reported', source: from.child('Louise'), confidential: true,
    summary: 'Louise says some members of the group are pressuring her to try hard drugs',
    childsWords: "Some of them keep on at me to try the hard stuff.",
  });
  d.record({
    by: 'louisesAdviser', about: 'louise', at: d.day(40, '15:30'), kind: 'contact',
    categories: ['substance_misuse'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: false,
    summary: 'Talked with Louise about the dangers of drugs; encouraged her to take up other activities and move away from the group',
  });

  // Children's social care: initial assessment of Tony and Louise.
  d.opens({ by: 'hewittSocialWorker', at: d.day(100, '10:00'), people: ['paul', 'dawn', 'tony', 'louise'], lead: 'hewittSocialWorker', relationships: family1 });
  d.record({
    by: 'hewittSocialWorker', about: 'louise', at: d.day(96, '16:00'), kind: 'home_visit', outcome: 'seen',
    categories: ['substance_misuse', 'neglect'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: true,
    sensitiveCategories: ['physical_or_mental_health'],
    summary: 'Initial assessment visit: Tony, Louise and both parents seen; impact of parental substance misuse discussed',
  });
  d.record({
    by: 'hewittSocialWorker', about: 'tony', at: d.day(88, '11:00'), kind: 'observation',
    categories: ['substance_misuse', 'neglect'], factOrOpinion: 'opinion', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: true,
    sensitiveCategories: ['physical_or_mental_health'],
    summary: "Initial assessment of Tony and Louise completed: children in need because of their parents' drug use; family support offered",
  });

  // The social inclusion unit prepares for and chairs the JAG.
  d.opens({ by: 'inclusionOfficer', at: d.day(30, '09:00'), people: ['paul', 'dawn', 'tony', 'louise', 'lee', 'tracey', 'jordan', 'ellie', 'sam', 'michelle', 'charlie', 'benAshworth'], lead: 'jagChair', relationships: [
    ...family1, ...family2, ...family3,
  ] });
  const jag = d.day(25, '10:00');
  const jagNotes = d.day(25, '15:00');
  d.record({
    by: 'hewittPO', about: 'paul', at: d.day(27, '11:00'), kind: 'observation',
    categories: ['offending'], factOrOpinion: 'opinion', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: true,
    sensitiveCategories: ['offences_and_proceedings'],
    summary: 'For the JAG: no known breaches of his order; his behaviour is not currently a cause for concern',
  });
  d.record({
    by: 'connexionsManager', about: 'louise', at: d.day(24, '16:00'), recorded: d.day(24, '16:30'), kind: 'contact',
    categories: ['substance_misuse'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: false,
    summary: 'Told the JAG that Louise\'s adviser has already talked to her about drugs and encouraged her away from the group',
  });
  d.record({
    by: 'jagChair', about: 'tony', at: jag, recorded: jagNotes, kind: 'contact',
    categories: ['substance_misuse', 'offending'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: true,
    summary: 'JAG: Hewitt family selected for targeted support; action plan agreed',
    details: [
      "Children's social care: assess each child and the impact of the parents' drug use on their welfare.",
      'Probation: confirm any breaches of the father\'s order (none known).',
      'Police: alert community support officers to the group of youths; short-term intensive patrols; disperse the group where necessary.',
      'Youth workers: engage the group in other activities.',
      'Licensing: remind local shopkeepers not to sell alcohol to under-18s; support those who report intimidation.',
      'Connexions: help Louise find a youth club she and her friends can attend.',
      'Review at the next monthly JAG.',
    ].join('\n'),
  });
  d.record({
    by: 'jagChair', about: 'jordan', at: jag, recorded: jagNotes, kind: 'contact',
    categories: ['offending', 'neglect'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: true,
    summary: 'JAG: Fenwick family selected for targeted support; action plan agreed',
    details: [
      'Police: ask the neighbours who have reported problems to record details of incidents; speak to the family about their behaviour.',
      'Housing trust: warn the family that they risk breaching their tenancy and could be evicted.',
      'Community support officers: visit the area at different times over the next month.',
      "Council: ask the education welfare service for information from the children's schools for the next JAG.",
      'Consider an Acceptable Behaviour Contract.',
    ].join('\n'),
  });
  d.record({
    by: 'jagChair', about: 'charlie', at: jag, recorded: jagNotes, kind: 'contact',
    categories: ['domestic_abuse', 'substance_misuse', 'offending'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: true,
    summary: 'JAG: Ashworth family selected for targeted support; action plan agreed',
    details: [
      'Connexions: engage Charlie and Ben; advice on education, employment, training and activities.',
      'Police family support unit: monitor the suspected domestic violence and liaise with the other agencies.',
      'Mother says there are no problems and that experimenting with drink is normal for teenagers.',
    ].join('\n'),
  });

  // After the JAG.
  d.record({
    by: 'familySupportOfficer', about: 'michelle', at: d.day(22, '10:00'), kind: 'contact',
    categories: ['domestic_abuse'], factOrOpinion: 'fact', reportedOrWitnessed: 'reported', source: from.professional('Police inspector, joint action group'), confidential: true,
    summary: 'Family support unit told of suspected domestic violence at Millbrook Court; asked to monitor and liaise with other agencies',
  });
  d.lead(d.day(22, '10:05'), 'familySupportOfficer', 'michelle', 'familySupportOfficer');
  d.record({
    by: 'tenancyOfficer', about: 'lee', at: d.day(20, '11:00'), kind: 'contact',
    categories: ['offending', 'housing'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: false,
    summary: 'Letter and visit: the family risk breaching their tenancy agreement, which could lead to eviction',
  });
  d.opens({ by: 'connexionsManager', at: d.day(21, '09:00'), people: ['michelle', 'charlie', 'benAshworth'], lead: 'louisesAdviser', relationships: family3 });
  d.record({
    by: 'louisesAdviser', about: 'benAshworth', at: d.day(18, '15:45'), kind: 'contact',
    categories: ['other'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: false,
    summary: 'Discussed options for education and after-school activities with Ben',
  });
  d.record({
    by: 'louisesAdviser', about: 'charlie', at: d.day(16, '11:00'), kind: 'appointment', outcome: 'attended',
    categories: ['other'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: false,
    summary: 'Charlie is unemployed: met to discuss employment, education or training, and sport and youth work',
  });
  d.record({
    by: 'louisesAdviser', about: 'charlie', at: d.day(9, '14:00'), kind: 'contact',
    categories: ['domestic_abuse'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: true,
    summary: 'Charlie and Ben offered the chance to talk to a counsellor about personal issues; both accepted',
  });
  d.record({
    by: 'louisesAdviser', about: 'louise', at: d.day(8, '16:00'), kind: 'observation',
    categories: ['exploitation', 'substance_misuse'], factOrOpinion: 'fact', reportedOrWitnessed: 'reported', source: from.child('Louise'), confidential: false,
    summary: 'Louise has joined a youth club with her friends and appears to have cut her ties with those enticing her into drug use',
  });
  d.record({
    by: 'inclusionOfficer', about: 'jordan', at: d.day(5, '10:00'), kind: 'contact',
    categories: ['attendance'], factOrOpinion: 'fact', reportedOrWitnessed: 'reported', source: from.professional('Education welfare service'), confidential: false,
    summary: "Education welfare service collecting the children's schools' information for the next JAG",
  });
}
