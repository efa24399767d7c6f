import { fictionalNhsNumber, from, type Story } from '../story.ts';

/**
 * Case example 2 — sharing information with consent following concerns about a toddler's
 * development. Cathy, a teenage mother in a hostel, with Ben (3) and Jake (6 months). Ben's
 * nursery refers her to Home-Start; consent to talk to the nursery is for that purpose only, so
 * consent is sought again before the CAF is shared with the health visitor. Ben had missed his
 * hearing checks as a baby: the health visitor's records show him not brought, again and again.
 */
export function caseCathy(d: Story): void {
  const hostel = { line1: 'Flat 6, Ferndale House', line2: '22 Ferndale Road', town: 'Northshire', postcode: 'NS2 7HL' };
  const bedAndBreakfast = { line1: 'Room 3, Station Lodge', line2: '41 Station Street', town: 'Northshire', postcode: 'NS5 1BQ' };
  const earlierFlat = { line1: 'Flat 2, 9 Canal Street', town: 'Northshire', postcode: 'NS5 3PA' };
  const moved = d.day(125, '12:00');
  d.addCast({
    cathy: {
      kind: 'adult', names: [{ givenNames: 'Cathy', familyName: 'Ellison' }], dateOfBirth: d.born(19, 6), sex: 'female',
      addresses: [{ ...hostel, validFrom: d.dateOf(moved) }],
    },
    ben: {
      kind: 'child', names: [{ givenNames: 'Ben', familyName: 'Ellison' }], dateOfBirth: d.born(3, 4), sex: 'male', nhsNumber: fictionalNhsNumber(210_001),
      addresses: [{ ...hostel, validFrom: d.dateOf(moved) }],
    },
    jake: {
      kind: 'child', names: [{ givenNames: 'Jake', familyName: 'Ellison' }], dateOfBirth: d.born(0, 6), sex: 'male', nhsNumber: fictionalNhsNumber(210_002),
      addresses: [{ ...hostel, validFrom: d.dateOf(moved) }],
    },
  });
  const cathyIsMother = (child: string) => [[child, 'parent', 'cathy'], [child, 'parental_responsibility', 'cathy'], [child, 'primary_carer', 'cathy']] as const;

  // The health visitor has known Ben since he was born. The family moved often, appointment letters
  // went astray, and the address on Ben's health visiting entry is still the flat they left.
  d.opens({ by: 'cathysHV', at: d.day(860, '10:00'), people: ['cathy', 'ben'], relationships: cathyIsMother('ben'), lead: 'cathysHV', differs: {
    cathy: { addresses: [earlierFlat] }, ben: { addresses: [earlierFlat] },
  } });
  d.record({
    by: 'cathysHV', about: 'ben', at: d.day(860, '10:00'), kind: 'home_visit', outcome: 'seen',
    categories: ['development'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: true,
    sensitiveCategories: ['physical_or_mental_health'],
    summary: 'New birth visit: Ben well; newborn hearing screen not done before discharge and to be rebooked',
    details: 'Cathy is 16 and a first-time mother. She says she has no contact with Ben\'s father.',
  });
  d.record({
    by: 'cathysHV', about: 'ben', at: d.day(852, '14:00'), kind: 'appointment', outcome: 'not_brought',
    categories: ['development'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: true,
    sensitiveCategories: ['physical_or_mental_health'],
    summary: 'Newborn hearing screen: Ben was not brought',
  });
  d.record({
    by: 'cathysHV', about: 'ben', at: d.day(690, '10:30'), kind: 'appointment', outcome: 'not_brought',
    categories: ['development'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: true,
    sensitiveCategories: ['physical_or_mental_health'],
    summary: '8-month review including hearing check: Ben was not brought',
    details: 'The appointment letter was returned: the family had moved and no new address was given.',
  });
  d.record({
    by: 'cathysHV', about: 'ben', at: d.day(340, '09:30'), kind: 'appointment', outcome: 'not_brought',
    categories: ['development'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: true,
    sensitiveCategories: ['physical_or_mental_health'],
    summary: '2-year review: Ben was not brought',
  });
  d.record({
    by: 'cathysHV', about: 'ben', at: d.day(325, '09:30'), kind: 'appointment', outcome: 'not_brought',
    categories: ['development'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: true,
    sensitiveCategories: ['physical_or_mental_health'],
    summary: 'Rebooked 2-year review: Ben was not brought again',
    details: 'Cathy later told me she avoids clinics because she feels staff are critical of her parenting.',
  });
  d.opens({ by: 'cathysHV', at: d.day(122, '11:00'), people: ['jake'], relationships: [...cathyIsMother('jake'), ['jake', 'sibling', 'ben'], ['ben', 'sibling', 'jake']], lead: 'cathysHV' });
  d.record({
    by: 'cathysHV', about: 'jake', at: d.day(122, '11:00'), kind: 'home_visit', outcome: 'seen',
    categories: ['development'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: true,
    sensitiveCategories: ['physical_or_mental_health'],
    summary: 'New birth visit at the hostel: Jake well; Ben seen too',
  });

  // Ben's nursery, which holds the bed-and-breakfast address he was registered from.
  d.opens({ by: 'bensNurseryTeacher', at: d.day(140, '09:00'), people: ['ben', 'cathy'], relationships: cathyIsMother('ben'), lead: 'brookfieldHead', differs: {
    ben: { addresses: [bedAndBreakfast], nhsNumber: undefined }, cathy: { addresses: [bedAndBreakfast] },
  } });
  d.record({
    by: 'bensNurseryTeacher', about: 'ben', at: d.day(110, '15:30'), kind: 'observation',
    categories: ['attendance'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: false,
    summary: 'Ben has attended 5 of his last 15 nursery sessions',
  });
  d.record({
    by: 'bensNurseryTeacher', about: 'ben', at: d.day(102, '12:00'), kind: 'contact',
    categories: ['attendance'], factOrOpinion: 'fact', reportedOrWitnessed: 'reported', source: from.parent('Cathy, at collection'), confidential: false,
    summary: 'Cathy says the walk to nursery is very long since the family moved',
  });
  d.record({
    by: 'brookfieldHead', about: 'ben', at: d.day(98, '11:00'), kind: 'contact',
    categories: ['attendance'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: false,
    summary: "Referred Cathy to Home-Start because of Ben's erratic attendance; Cathy agreed",
  });

  // Home-Start: the organiser and the volunteer build Cathy's trust.
  d.opens({ by: 'homeStartOrganiser', at: d.day(96, '10:00'), people: ['cathy', 'ben', 'jake'], relationships: [
    ...cathyIsMother('ben'), ...cathyIsMother('jake'), ['ben', 'sibling', 'jake'], ['jake', 'sibling', 'ben'],
  ], lead: 'homeStartOrganiser', differs: { ben: { nhsNumber: undefined }, jake: { nhsNumber: undefined } } });
  d.record({
    by: 'homeStartOrganiser', about: 'cathy', at: d.day(96, '10:00'), kind: 'contact',
    categories: ['attendance'], factOrOpinion: 'fact', reportedOrWitnessed: 'reported', source: from.professional('Brookfield Primary School and Nursery'), confidential: false,
    summary: "Referral from Ben's nursery: erratic attendance",
  });
  d.record({
    by: 'homeStartOrganiser', about: 'cathy', at: d.day(92, '13:30'), kind: 'home_visit', outcome: 'seen',
    categories: ['domestic_abuse', 'housing'], factOrOpinion: 'fact', reportedOrWitnessed: 'reported', source: from.parent('Cathy'), confidential: true,
    summary: 'Cathy fled a violent relationship and does not want anyone to know where the family lives',
    details: 'Cathy is wary of agencies because of unhappy experiences as a child. Her address is not to be given to anyone without her agreement.',
  });
  d.record({
    by: 'homeStartVolunteer', about: 'cathy', at: d.day(85, '10:00'), kind: 'home_visit', outcome: 'seen',
    categories: ['other'], factOrOpinion: 'opinion', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: false,
    summary: 'Third visit: Cathy more relaxed and talking openly; a trusting relationship is forming',
  });
  d.record({
    by: 'homeStartOrganiser', about: 'ben', at: d.day(80, '14:00'), kind: 'contact',
    categories: ['attendance'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: false,
    summary: 'Cathy gave informed consent for Home-Start to talk to the nursery about Ben\'s attendance and the journey',
    details: 'Purpose explained: to resolve the attendance problem. Recipients: Brookfield Primary School and Nursery only. The hostel address is not to be shared.',
  });
  d.record({
    by: 'homeStartOrganiser', about: 'ben', at: d.day(79, '10:30'), kind: 'contact',
    categories: ['attendance'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: false,
    summary: 'Spoke to the nursery with Cathy\'s consent: transfer to a nursery near the hostel being arranged',
  });
  d.record({
    by: 'bensNurseryTeacher', about: 'ben', at: d.day(79, '11:00'), kind: 'contact',
    categories: ['attendance'], factOrOpinion: 'fact', reportedOrWitnessed: 'reported', source: from.professional('Home-Start organiser'), confidential: false,
    summary: 'Home-Start explained, with Cathy\'s consent, that the journey to nursery is too long; transfer agreed',
  });
  d.record({
    by: 'brookfieldHead', about: 'ben', at: d.day(66, '09:00'), kind: 'contact',
    categories: ['attendance'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: false,
    summary: "Ben's place transferred to Hollybank Nursery, closer to the family's home",
  });
  d.record({
    by: 'homeStartVolunteer', about: 'ben', at: d.day(60, '11:00'), recorded: d.day(57, '16:00'), kind: 'observation',
    categories: ['development'], factOrOpinion: 'opinion', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: false,
    summary: 'I am worried Ben may not hear well: he often does not turn when spoken to from behind',
  });
  d.record({
    by: 'homeStartOrganiser', about: 'ben', at: d.day(55, '10:00'), kind: 'observation',
    categories: ['development'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: true,
    summary: "Completed a Common Assessment Framework (CAF) with Cathy to get a full picture of Ben's needs",
    details: 'Ben missed his developmental and hearing checks as a baby. Cathy feels isolated, far from her own family with no easy public transport.',
  });
  d.record({
    by: 'homeStartOrganiser', about: 'ben', at: d.day(55, '10:45'), kind: 'contact',
    categories: ['development'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: false,
    summary: "New consent: Cathy agreed that the CAF may be shared with Ben's health visitor",
    details: 'The consent Cathy gave earlier was for talking to the nursery about attendance. This is a different purpose, so consent was sought again.',
  });
  d.record({
    by: 'cathysHV', about: 'ben', at: d.day(54, '14:00'), kind: 'contact',
    categories: ['development'], factOrOpinion: 'fact', reportedOrWitnessed: 'reported', source: from.professional('Home-Start organiser'), confidential: true,
    summary: "CAF received from Home-Start with Cathy's consent: concern about Ben's hearing; clinic appointment offered",
  });
  d.record({
    by: 'cathysHV', about: 'ben', at: d.day(47, '10:00'), kind: 'appointment', outcome: 'attended',
    categories: ['development'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: true,
    sensitiveCategories: ['physical_or_mental_health'],
    summary: 'Hearing test at clinic: reduced hearing consistent with enlarged adenoids; referred to GP',
    details: 'Cathy and Ben came with the Home-Start volunteer.',
  });
  d.record({
    by: 'homeStartVolunteer', about: 'ben', at: d.day(47, '10:00'), recorded: d.day(47, '13:00'), kind: 'contact',
    categories: ['development'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: false,
    summary: 'Went with Cathy and Ben to the clinic for his hearing test',
  });

  // The GP arranges treatment.
  d.opens({ by: 'bensGP', at: d.day(42, '16:10'), people: ['cathy', 'ben', 'jake'], relationships: [
    ...cathyIsMother('ben'), ...cathyIsMother('jake'), ['ben', 'sibling', 'jake'], ['jake', 'sibling', 'ben'],
  ], lead: 'bensGP' });
  d.record({
    by: 'bensGP', about: 'ben', at: d.day(42, '16:10'), kind: 'appointment', outcome: 'attended',
    categories: ['development'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: true,
    sensitiveCategories: ['physical_or_mental_health'],
    summary: 'Enlarged adenoids affecting hearing; referred to ENT',
  });

  // Cathy's isolation.
  d.record({
    by: 'homeStartVolunteer', about: 'cathy', at: d.day(35, '10:00'), kind: 'observation',
    categories: ['other'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: false,
    summary: 'Cathy came to the Home-Start group for the first time',
  });
  d.record({
    by: 'homeStartVolunteer', about: 'cathy', at: d.day(12, '10:00'), kind: 'observation',
    categories: ['other'], factOrOpinion: 'opinion', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: false,
    summary: 'Cathy joins in group activities and has made friends with other young mothers',
  });
}
