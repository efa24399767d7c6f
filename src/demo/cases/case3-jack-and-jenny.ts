import { fictionalNhsNumber, from, type Story } from '../story.ts';

/**
 * Case example 3 — respecting a parent's refusal of consent to share confidential information.
 * Jack's teacher is worried (late, last collected, grubby, hungry, falling asleep); Jenny seems
 * fine. The school nurse and the child protection lead agree to ask the health visitor, who
 * knows the family and holds confidential information about the mother's mental health. The
 * mother refuses consent; the health visitor decides not to override it, and the school and the
 * health visitor write down who monitors what, and when they confer.
 */
export function caseJackAndJenny(d: Story): void {
  const home = { line1: '5 Ashdown Road', town: 'Northshire', postcode: 'NS1 6EJ' };
  d.addCast({
    donna: { kind: 'adult', names: [{ givenNames: 'Donna', familyName: 'Carver' }], dateOfBirth: d.born(29, 7), sex: 'female', addresses: [home] },
    jenny: { kind: 'child', names: [{ givenNames: 'Jenny', familyName: 'Carver' }], dateOfBirth: d.born(6, 5), sex: 'female', addresses: [home] },
    jack: { kind: 'child', names: [{ givenNames: 'Jack', familyName: 'Carver' }], dateOfBirth: d.born(4, 7), sex: 'male', addresses: [home] },
    mia: { kind: 'child', names: [{ givenNames: 'Mia', familyName: 'Carver' }], dateOfBirth: d.born(1, 0, 10), sex: 'female', addresses: [home] },
  });
  const donnaIsMother = (child: string) => [[child, 'parent', 'donna'], [child, 'parental_responsibility', 'donna'], [child, 'primary_carer', 'donna']] as const;
  const siblings = (...keys: string[]) => keys.flatMap((a) => keys.filter((b) => b !== a).map((b) => [a, 'sibling', b] as const));

  // The health visitor: Mia's new birth visit, then support for the whole family.
  const hvNhs = { jenny: { nhsNumber: fictionalNhsNumber(310_001) }, jack: { nhsNumber: fictionalNhsNumber(310_002) }, mia: { nhsNumber: fictionalNhsNumber(310_003) } };
  d.opens({ by: 'carverHV', at: d.day(258, '10:00'), people: ['donna', 'jenny', 'jack', 'mia'], lead: 'carverHV', differs: hvNhs, relationships: [
    ...donnaIsMother('jenny'), ...donnaIsMother('jack'), ...donnaIsMother('mia'), ...siblings('jenny', 'jack', 'mia'),
  ] });
  d.record({
    by: 'carverHV', about: 'mia', at: d.day(258, '10:00'), kind: 'home_visit', outcome: 'seen',
    categories: ['development'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: true,
    sensitiveCategories: ['physical_or_mental_health'],
    summary: 'New birth visit: Mia well; Donna has three children under six',
  });
  d.record({
    key: 'donnaMentalHealth',
    by: 'carverHV', about: 'donna', at: d.day(200, '13:30'), kind: 'home_visit', outcome: 'seen',
    categories: ['mental_health'], factOrOpinion: 'fact', reportedOrWitnessed: 'reported', source: from.parent('Donna'), confidential: true,
    sensitiveCategories: ['physical_or_mental_health'],
    summary: 'Donna disclosed low mood since Mia\'s birth; her GP has diagnosed postnatal depression and started treatment',
    details: 'Told in confidence. Donna does not want the school or anyone else told about her mental health.',
  });
  d.record({
    by: 'carverHV', about: 'jack', at: d.day(150, '10:00'), recorded: d.day(147, '15:30'), kind: 'observation',
    categories: ['development', 'neglect'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: true,
    sensitiveCategories: ['physical_or_mental_health'],
    summary: "Common Assessment Framework (CAF) with Donna: Jack's strengths and needs",
    details: 'Strengths: affectionate, settled at school, loves drawing. Needs: weight on the 2nd centile, irregular meals and bedtimes. '
      + 'Donna agreed to extra support at home. She did not consent to this information being shared with the school.',
  });
  d.record({
    by: 'carverHV', about: 'donna', at: d.day(120, '11:00'), kind: 'home_visit', outcome: 'seen',
    categories: ['mental_health', 'neglect'], factOrOpinion: 'opinion', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: true,
    sensitiveCategories: ['physical_or_mental_health'],
    summary: 'Donna accepting support; home more organised; I continue to monitor actively',
  });

  // The school: Jenny and Jack.
  d.opens({ by: 'riversideLead', at: d.day(170, '09:00'), people: ['donna', 'jenny', 'jack'], lead: 'riversideLead', relationships: [
    ...donnaIsMother('jenny'), ...donnaIsMother('jack'), ...siblings('jenny', 'jack'),
  ] });
  d.record({
    by: 'jacksTeacher', about: 'jack', at: d.day(45, '15:45'), kind: 'observation',
    categories: ['attendance', 'neglect'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: false,
    summary: 'Jack late 7 times in the last 4 weeks and usually the last child to be collected',
  });
  d.record({
    by: 'jacksTeacher', about: 'jack', at: d.day(45, '15:50'), kind: 'observation',
    categories: ['neglect'], factOrOpinion: 'opinion', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: false,
    summary: 'Jack looks a bit grubby and seems small and thin for his age',
  });
  d.record({
    by: 'jacksTeacher', about: 'jack', at: d.day(43, '12:40'), kind: 'concern',
    categories: ['neglect'], factOrOpinion: 'fact', reportedOrWitnessed: 'reported', source: from.child('Two children in Jack\'s class'), confidential: false,
    summary: 'Jack often seems very hungry; other children say he takes food from their lunchboxes',
  });
  d.record({
    by: 'jacksTeacher', about: 'jack', at: d.day(41, '14:10'), kind: 'observation',
    categories: ['neglect'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: false,
    summary: 'Jack fell asleep in the classroom during the afternoon',
  });
  d.record({
    by: 'jennysTeacher', about: 'jenny', at: d.day(40, '16:00'), kind: 'observation',
    categories: ['attendance'], factOrOpinion: 'opinion', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: false,
    summary: 'Jenny is sometimes late and not always well dressed, but is doing well and seems happy: no particular concerns',
  });
  d.record({
    by: 'jacksTeacher', about: 'jack', at: d.day(38, '15:20'), recorded: d.day(38, '16:30'), kind: 'contact',
    categories: ['neglect'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.parent('Donna, at collection'), confidential: false,
    summary: "Spoke to Jack's mother about his weight and tiredness; she thinks he is fine and declined a school nurse check",
    details: 'I said I would like the school nurse to see Jack and offer advice. She said she did not think it necessary. When I said she seemed tired she said: '
      + '"Of course I\'m tired, I\'ve got three children under six!"',
  });
  d.record({
    by: 'jacksTeacher', about: 'donna', at: d.day(38, '15:20'), recorded: d.day(38, '16:35'), kind: 'observation',
    categories: ['mental_health'], factOrOpinion: 'opinion', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: false,
    sensitiveCategories: ['physical_or_mental_health'],
    summary: 'Mother seemed a bit depressed and was monosyllabic; I am uneasy about her ability to cope',
  });
  d.record({
    by: 'riversideNurse', about: 'jack', at: d.day(35, '11:00'), kind: 'contact',
    categories: ['neglect'], factOrOpinion: 'opinion', reportedOrWitnessed: 'reported', source: from.professional("Jack's class teacher"), confidential: false,
    summary: 'Informal advice to Jack\'s teacher: the concerns are not sufficient to consider a referral to children\'s social care',
  });
  d.record({
    by: 'riversideLead', about: 'jack', at: d.day(31, '12:30'), kind: 'contact',
    categories: ['neglect'], factOrOpinion: 'opinion', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: false,
    summary: 'Met the teacher and school nurse: justified to ask the health visitor who visits the youngest child whether she has concerns',
  });

  // The health visitor is asked, and asks the mother.
  d.record({
    by: 'riversideLead', about: 'jack', at: d.day(29, '10:00'), kind: 'contact',
    categories: ['neglect'], factOrOpinion: 'fact', reportedOrWitnessed: 'reported', source: from.professional('Joanne Pike, health visitor'), confidential: false,
    summary: 'Health visitor says the family has had some difficulties; she is supporting the mother and monitoring',
    details: 'She holds some confidential health information and will ask the mother\'s consent before sharing any of it with the school.',
  });
  d.record({
    by: 'carverHV', about: 'jack', at: d.day(29, '10:00'), kind: 'contact',
    categories: ['neglect'], factOrOpinion: 'fact', reportedOrWitnessed: 'reported', source: from.professional("Karen Doyle, Riverside Primary School's child protection lead"), confidential: false,
    summary: 'School concerned about Jack: late, last collected, hungry, tired; teacher uneasy about mother coping',
  });
  d.record({
    by: 'carverHV', about: 'donna', at: d.day(25, '14:00'), kind: 'home_visit', outcome: 'seen',
    categories: ['mental_health'], factOrOpinion: 'fact', reportedOrWitnessed: 'reported', source: from.parent('Donna'), confidential: true,
    sensitiveCategories: ['physical_or_mental_health'],
    summary: 'Asked Donna for consent to share her mental health information with the school: she refused',
  });
  d.record({
    by: 'carverHV', about: 'jack', at: d.day(24, '09:30'), kind: 'observation',
    categories: ['neglect', 'mental_health'], factOrOpinion: 'opinion', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: true,
    summary: "Decision: not to override the mother's refusal; the benefit to the children of telling the school would be small",
    details: 'The mother is accepting services out of school which should improve the children\'s situation. Discussed with the named nurse for safeguarding.',
  });

  // The monitoring arrangement, written down in both agencies so everyone knows who does what.
  const agreed = d.day(23, '15:30');
  const firstCall = d.day(13, '15:30');
  const arrangement = [
    `Agreed on ${d.say(agreed)} between Karen Doyle (child protection lead, Riverside Primary) and Joanne Pike (health visitor):`,
    "1. Jack's class teacher notes each day whether Jack and Jenny arrive late, are collected late, seem hungry or fall asleep, and tells the child protection lead at once if it gets worse.",
    '2. The health visitor continues home visits and support for the mother.',
    `3. The child protection lead and the health visitor confer by telephone every fortnight, first on ${d.say(firstCall)}; the child protection lead makes the call.`,
    "4. If the children's care does not improve, they take early action together, including a possible referral to children's social care.",
  ].join('\n');
  d.record({
    key: 'riversideMonitoring',
    by: 'riversideLead', about: 'jack', at: agreed, kind: 'contact',
    categories: ['neglect', 'attendance'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: false,
    summary: "Monitoring arrangement agreed with the health visitor: confer fortnightly; early action if the children's care does not improve",
    details: `The health visitor has decided not to share confidential health information without consent.\n${arrangement}`,
  });
  d.record({
    by: 'carverHV', about: 'jack', at: agreed, kind: 'contact',
    categories: ['neglect'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: false,
    summary: "Told the school my decision; monitoring arrangement agreed: confer fortnightly; early action if the children's care does not improve",
    details: arrangement,
  });
  d.record({
    by: 'riversideLead', about: 'jack', at: firstCall, kind: 'contact',
    categories: ['neglect', 'attendance'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: false,
    summary: 'First fortnightly call with the health visitor: Jack on time 8 days out of 10, seems less hungry',
  });
  d.record({
    by: 'carverHV', about: 'jack', at: firstCall, kind: 'contact',
    categories: ['neglect'], factOrOpinion: 'fact', reportedOrWitnessed: 'reported', source: from.professional("Riverside Primary School's child protection lead"), confidential: false,
    summary: 'Fortnightly call with the school: Jack more punctual and seems less hungry',
  });
  d.record({
    by: 'jacksTeacher', about: 'jack', at: d.day(4, '15:45'), kind: 'observation',
    categories: ['attendance'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: false,
    summary: 'Jack on time every day this week; brought a packed lunch each day',
  });
}
