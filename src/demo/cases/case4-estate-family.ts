import { from, type Story } from '../story.ts';

/**
 * Case example 4 — sharing information without consent for preventative work with children at
 * risk of involvement in crime and vulnerable to exploitation. Two cars burn on the estate;
 * witnesses name the Maddox children. The police notify the youth offending service, which asks
 * the schools; the schools decide to share without consent and tell the family they are doing so.
 */
export function caseEstateFamily(d: Story): void {
  const home = { line1: '14 Larch Walk', line2: 'Eastfield Estate', town: 'Northshire', postcode: 'NS3 2QD' };
  d.addCast({
    lorraine: { kind: 'adult', names: [{ givenNames: 'Lorraine', familyName: 'Maddox' }], dateOfBirth: d.born(41, 2), sex: 'female', addresses: [home] },
    steve: { kind: 'adult', names: [{ givenNames: 'Steve', familyName: 'Maddox' }], dateOfBirth: d.born(46, 8), sex: 'male', addresses: [home] },
    jackie: { kind: 'child', names: [{ givenNames: 'Jackie', familyName: 'Maddox' }], dateOfBirth: d.born(15, 4), sex: 'female', addresses: [home] },
    brett: { kind: 'child', names: [{ givenNames: 'Brett', familyName: 'Maddox' }], dateOfBirth: d.born(14, 2), sex: 'male', addresses: [home] },
    connor: { kind: 'child', names: [{ givenNames: 'Connor', familyName: 'Maddox' }], dateOfBirth: d.born(10, 6), sex: 'male', addresses: [home] },
  });
  const parents = (child: string) => [
    [child, 'parent', 'lorraine'], [child, 'parental_responsibility', 'lorraine'], [child, 'primary_carer', 'lorraine'],
    [child, 'parent', 'steve'], [child, 'parental_responsibility', 'steve'],
  ] as const;
  const siblings = (...keys: string[]) => keys.flatMap((a) => keys.filter((b) => b !== a).map((b) => [a, 'sibling', b] as const));
  const partners = [['lorraine', 'partner', 'steve'], ['steve', 'partner', 'lorraine']] as const;
  const wholeFamily = [...parents('jackie'), ...parents('brett'), ...parents('connor'), ...siblings('jackie', 'brett', 'connor'), ...partners];

  // Police: the father's old conviction came across when the force's records were migrated.
  d.opens({ by: 'policeLead', at: d.day(898, '10:00'), people: ['steve'] });
  d.record({
    by: 'policeLead', about: 'steve', at: d.day(2300, '10:00'), recorded: d.day(898, '10:05'), kind: 'incident',
    categories: ['offending'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: true,
    sensitiveCategories: ['offences_and_proceedings'],
    summary: 'Convicted of handling stolen goods; short custodial sentence',
    details: 'Migrated from the previous records system.',
  });

  // The car fires.
  const fires = d.day(45, '21:40');
  d.opens({ by: 'estateOfficer', at: d.day(45, '23:30'), people: ['lorraine', 'jackie', 'brett', 'connor'], lead: 'estateOfficer', relationships: wholeFamily });
  d.lead(d.day(45, '23:31'), 'estateOfficer', 'steve', 'estateOfficer');
  for (const child of ['jackie', 'brett', 'connor']) {
    d.record({
      by: 'estateOfficer', about: child, at: fires, recorded: d.day(45, '23:45'), kind: 'incident',
      categories: ['offending'], factOrOpinion: 'fact', reportedOrWitnessed: 'reported', source: from.public('Two residents of Larch Walk (names and addresses on the incident log)'), confidential: true,
      summary: 'Two cars set on fire on Larch Walk; witnesses name a group of youngsters from the estate, including the Maddox children',
      details: 'Fire service attended. Witnesses say the same group is responsible for a lot of vandalism and graffiti and that older people are afraid to go out at night.',
    });
  }
  const interview = d.day(44, '18:00');
  const afterInterview = d.day(44, '20:15');
  d.record({
    by: 'estateOfficer', about: 'jackie', at: interview, recorded: afterInterview, kind: 'home_visit', outcome: 'seen',
    categories: ['offending'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: false,
    summary: 'Interview at home about the fires: Jackie verbally abusive to her mother and to officers',
  });
  d.record({
    by: 'estateOfficer', about: 'brett', at: interview, recorded: afterInterview, kind: 'home_visit', outcome: 'seen',
    categories: ['offending'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.child('Brett'), confidential: false,
    summary: 'Interview at home about the fires: Brett denies being involved',
    childsWords: "I can't see why you're interviewing us. We always get blamed.",
  });
  d.record({
    by: 'estateOfficer', about: 'connor', at: interview, recorded: afterInterview, kind: 'home_visit', outcome: 'seen',
    categories: ['offending'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.child('Connor'), confidential: false,
    summary: 'Interview at home about the fires: Connor echoes everything Brett says',
    childsWords: 'We always get blamed.',
  });
  d.record({
    by: 'estateOfficer', about: 'steve', at: interview, recorded: afterInterview, kind: 'contact',
    categories: ['offending'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.parent('Steve Maddox'), confidential: true,
    sensitiveCategories: ['physical_or_mental_health'],
    summary: "Father says the neighbours and police are 'picking on his kids because he has a bit of a record'",
    details: 'He has chronic ill health and is unable to work.',
  });
  d.record({
    by: 'estateOfficer', about: 'lorraine', at: interview, recorded: afterInterview, kind: 'observation',
    categories: ['mental_health'], factOrOpinion: 'opinion', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: true,
    sensitiveCategories: ['physical_or_mental_health'],
    summary: 'Mother seems a bit depressed and downtrodden; wants the best for her children but seems defeated in controlling them',
  });
  const sweets = d.day(39, '14:20');
  for (const boy of ['brett', 'connor']) {
    d.record({
      by: 'estateOfficer', about: boy, at: sweets, recorded: d.day(39, '17:00'), kind: 'incident',
      categories: ['offending', 'attendance'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: false,
      summary: 'Picked up with his brother for stealing sweets from a shop on Station Parade; admitted truanting; taken home',
      details: 'Both parents said they last saw the boys going off to school that morning and believed they were in school.',
    });
    d.record({
      by: 'estateOfficer', about: boy, at: d.day(37, '11:00'), kind: 'incident',
      categories: ['offending'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: true,
      sensitiveCategories: ['offences_and_proceedings'],
      summary: 'Reprimand issued for the theft of sweets',
    });
  }
  d.record({
    by: 'estateOfficer', about: 'jackie', at: d.day(36, '09:30'), kind: 'contact',
    categories: ['offending', 'exploitation'], factOrOpinion: 'opinion', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: false,
    summary: 'Notified the youth offending service of the incidents and our concerns about all three children',
    details: 'Concerned about the risk of poor outcomes for Jackie, Brett and Connor and the risk to others from anti-social and offending behaviour.',
  });

  // The youth offending service.
  d.opens({ by: 'yosWorker', at: d.day(35, '10:00'), people: ['lorraine', 'steve', 'jackie', 'brett', 'connor'], lead: 'yosWorker', relationships: wholeFamily });
  d.record({
    by: 'yosWorker', about: 'brett', at: d.day(35, '10:00'), kind: 'contact',
    categories: ['offending'], factOrOpinion: 'fact', reportedOrWitnessed: 'reported', source: from.professional('Northshire Police'), confidential: false,
    summary: 'Police notification: car fires, theft of sweets and truanting; reprimands for Brett and Connor',
  });
  d.record({
    by: 'yosWorker', about: 'connor', at: d.day(34, '14:00'), kind: 'contact',
    categories: ['offending'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: false,
    summary: "Asked Eastfield Primary and Northgate Academy for information to assess the risks to all three children",
    details: 'Requested under the Crime and Disorder Act 1998 to help decide whether they may be children in need or at risk of significant harm.',
  });

  // Connor's primary school.
  d.opens({ by: 'eastfieldHead', at: d.day(880, '09:00'), people: ['connor', 'lorraine', 'steve'], lead: 'eastfieldHead', relationships: [...parents('connor'), ...partners] });
  d.record({
    by: 'eastfieldHead', about: 'connor', at: d.day(60, '15:30'), kind: 'contact',
    categories: ['other'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: false,
    summary: 'Invited both parents in to discuss concerns about Connor: neither came',
  });
  d.record({
    by: 'connorsTeacher', about: 'connor', at: d.day(33, '15:45'), kind: 'observation',
    categories: ['emotional_abuse'], factOrOpinion: 'opinion', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: false,
    summary: 'Connor is a bright boy but is aggressive towards other children',
  });
  d.record({
    by: 'connorsTeacher', about: 'connor', at: d.day(32, '12:15'), recorded: d.day(32, '13:00'), kind: 'concern',
    categories: ['exploitation', 'offending'], factOrOpinion: 'fact', reportedOrWitnessed: 'reported', source: from.child('Connor'), confidential: true,
    summary: "Connor says he is being bullied into doing 'naughty' things, like breaking windows, by boys who go around with his older brother",
    childsWords: "They make me do naughty things, like breaking windows. They're the boys that go round with our Brett.",
  });
  d.record({
    by: 'eastfieldHead', about: 'connor', at: d.day(30, '16:00'), kind: 'contact',
    categories: ['offending'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.parent('Both parents, at school'), confidential: false,
    summary: "Father condones Connor's aggression as his way of protecting himself; mother is concerned but wonders what she can do",
    details: 'Father said all kids steal sweets sometimes.',
  });
  d.record({
    by: 'eastfieldHead', about: 'connor', at: d.day(29, '11:00'), kind: 'contact',
    categories: ['offending', 'exploitation'], factOrOpinion: 'opinion', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: false,
    summary: 'Decided to share what we know with the YOS and police without consent; parents and Connor told',
    details: 'Some of the information is confidential. Connor may be involved in criminal behaviour and at risk of significant harm, so the information is shared without consent; the family has been told.',
  });

  // Brett's and Jackie's secondary school.
  d.opens({ by: 'northgateLead', at: d.day(880, '09:00'), people: ['jackie', 'brett', 'lorraine', 'steve'], lead: 'northgateLead', relationships: [
    ...parents('jackie'), ...parents('brett'), ...siblings('jackie', 'brett'), ...partners,
  ] });
  d.record({
    by: 'jackiesHeadOfYear', about: 'jackie', at: d.day(58, '09:00'), kind: 'contact',
    categories: ['other'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: false,
    summary: 'Second letter asking parents to come in to discuss Jackie: no response',
  });
  d.record({
    by: 'brettsHeadOfYear', about: 'brett', at: d.day(31, '16:00'), kind: 'observation',
    categories: ['other'], factOrOpinion: 'opinion', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: false,
    summary: 'Brett could do well but does not seem interested; acts the fool, enjoys being sent out, then says everyone picks on him unfairly',
  });
  d.record({
    by: 'brettsMentor', about: 'brett', at: d.day(30, '13:00'), recorded: d.day(30, '15:00'), kind: 'contact',
    categories: ['offending', 'emotional_abuse'], factOrOpinion: 'fact', reportedOrWitnessed: 'reported', source: from.child('Brett'), confidential: true,
    sensitiveCategories: ['physical_or_mental_health'],
    summary: "Brett feels he must be head of the family because of his father's illness, and prove himself 'big' and 'hard'",
    details: 'He believes the family is always picked on by the neighbours.',
    childsWords: 'If that means breaking the law then so what. My family comes first.',
  });
  d.record({
    by: 'jackiesHeadOfYear', about: 'jackie', at: d.day(31, '16:15'), kind: 'observation',
    categories: ['exploitation', 'substance_misuse'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: false,
    summary: 'Jackie disruptive, uses obscene language, walks out when challenged; smokes a lot and has recently lost a lot of weight',
    details: 'She is openly suggestive towards some of the boys in the class and often tests the authority of staff.',
  });
  d.record({
    by: 'jackiesHeadOfYear', about: 'jackie', at: d.day(30, '12:30'), recorded: d.day(30, '13:10'), kind: 'concern',
    categories: ['exploitation', 'substance_misuse', 'sexual_abuse'], factOrOpinion: 'fact', reportedOrWitnessed: 'reported', source: from.child('Jackie, in confidence'), confidential: true,
    sensitiveCategories: ['sexual_life'],
    summary: 'Jackie says she got mixed up with an older crowd who tried to introduce her to drugs; worried about their sexual advances',
    childsWords: "I've got mixed up with an older crowd. They tried to get me on drugs, and I don't know how to deal with them coming on to me.",
  });
  d.record({
    by: 'northgateLead', about: 'jackie', at: d.day(29, '11:30'), kind: 'contact',
    categories: ['exploitation', 'offending'], factOrOpinion: 'opinion', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: false,
    summary: 'Decided to share all we know about Jackie and Brett with the YOS and police without consent; parents and young people told',
  });
  d.record({
    by: 'northgateNurse', about: 'jackie', at: d.day(10, '10:30'), kind: 'appointment', outcome: 'attended',
    categories: ['substance_misuse'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: true,
    sensitiveCategories: ['sexual_life', 'physical_or_mental_health'],
    summary: 'Advice on sexual health, smoking and drugs as agreed in the joint plan',
  });

  // The multi-agency meeting and the joint plan.
  const meeting = d.day(15, '14:00');
  const plan: Record<string, string> = {
    jackie: 'Jackie: school nurse to offer sexual health and drugs advice; head of year to agree clear boundaries in class; YOS worker to meet weekly.',
    brett: 'Brett: learning mentor to meet twice a week; YOS worker to meet weekly; police to speak to the older group.',
    connor: "Connor: class teacher to watch for pressure from older boys and tell the designated safeguarding lead the same day; YOS worker to meet Connor and his parents.",
  };
  for (const child of ['jackie', 'brett', 'connor']) {
    d.record({
      by: 'yosWorker', about: child, at: meeting, recorded: d.day(15, '17:30'), kind: 'contact',
      categories: ['offending', 'exploitation'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: false,
      summary: 'Multi-agency meeting agreed a joint plan: clear boundaries, monitoring, advice on sexual health and drugs, education, preventing offending',
      details: `Present: police, YOS, education welfare, both schools, the school nurse and the fire service; the parents and young people joined for the plan.\n${plan[child]}`,
    });
  }
}
