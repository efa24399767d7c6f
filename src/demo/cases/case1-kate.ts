import { from, type Story } from '../story.ts';

/**
 * Case example 1 — sharing information with consent to support a parent's parenting capability.
 * Kate, a single mother with a three-year-old son and a new baby, is struggling; the health
 * visitor arranges outreach from the children's centre; Kelly, the outreach worker, contacts the
 * housing office, the midwife and the health visitor with Kate's agreement.
 */
export function caseKate(d: Story): void {
  const birth = d.day(55, '04:20');
  const home = { line1: '12 Willow Court', line2: 'Meadowbank', town: 'Northshire', postcode: 'NS1 4AB' };
  d.addCast({
    kate: { kind: 'adult', names: [{ givenNames: 'Kate', familyName: 'Marlow' }], dateOfBirth: d.born(27, 4), sex: 'female', addresses: [home] },
    alfie: { kind: 'child', names: [{ givenNames: 'Alfie', familyName: 'Marlow' }], dateOfBirth: d.born(3, 5), sex: 'male', addresses: [home] },
    rosie: { kind: 'child', names: [{ givenNames: 'Rosie', familyName: 'Marlow' }], dateOfBirth: d.dateOf(birth), sex: 'female', addresses: [home] },
  });
  const kateIsMother = (child: string) => [[child, 'parent', 'kate'], [child, 'parental_responsibility', 'kate'], [child, 'primary_carer', 'kate']] as const;
  const family = [...kateIsMother('alfie'), ...kateIsMother('rosie'), ['alfie', 'sibling', 'rosie'], ['rosie', 'sibling', 'alfie']] as const;

  // The housing office has known Kate since her tenancy began after the separation.
  d.opens({ by: 'housingOfficer', at: d.day(300, '11:00'), people: ['kate', 'alfie'], relationships: [['kate', 'household_member', 'alfie']], lead: 'housingOfficer' });

  // The midwife booked Kate early in the pregnancy and added the baby at the birth.
  d.opens({ by: 'katesMidwife', at: d.day(205, '09:30'), people: ['kate'], lead: 'katesMidwife' });
  d.record({
    by: 'katesMidwife', about: 'kate', at: d.day(205, '09:30'), kind: 'appointment', outcome: 'attended',
    categories: ['other'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: true,
    sensitiveCategories: ['physical_or_mental_health'],
    summary: 'Antenatal booking appointment: second pregnancy, no complications so far',
    details: 'Kate lives with her son Alfie (2). She and her husband separated earlier this year. She has no family nearby.',
  });
  d.opens({ by: 'katesMidwife', at: d.day(54, '10:00'), people: ['rosie'], relationships: kateIsMother('rosie'), lead: 'katesMidwife' });
  d.record({
    by: 'katesMidwife', about: 'rosie', at: d.day(54, '10:00'), kind: 'home_visit', outcome: 'seen',
    categories: ['development'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: true,
    sensitiveCategories: ['physical_or_mental_health'],
    summary: 'First postnatal visit: Rosie feeding well, weight within expected range',
  });

  // The health visitor's new birth visit.
  const hvVisit = d.day(45, '10:30');
  d.opens({ by: 'katesHV', at: hvVisit, people: ['kate', 'alfie', 'rosie'], relationships: family, lead: 'katesHV' });
  d.record({
    by: 'katesHV', about: 'rosie', at: hvVisit, kind: 'home_visit', outcome: 'seen',
    categories: ['development'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: true,
    sensitiveCategories: ['physical_or_mental_health'],
    summary: 'New birth visit: Rosie well and feeding; Alfie also seen',
  });
  d.record({
    by: 'katesHV', about: 'kate', at: hvVisit, kind: 'observation',
    categories: ['mental_health'], factOrOpinion: 'opinion', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: true,
    sensitiveCategories: ['physical_or_mental_health'],
    summary: 'Kate appears to be struggling to cope with the two children',
    details: 'Since Kate and her husband separated she has had no family support. She seemed exhausted and tearful during the visit.',
  });
  d.record({
    by: 'katesHV', about: 'kate', at: hvVisit, kind: 'observation',
    categories: ['mental_health'], factOrOpinion: 'fact', reportedOrWitnessed: 'reported', source: from.parent('Kate'), confidential: true,
    sensitiveCategories: ['physical_or_mental_health'],
    summary: 'Kate says she has been feeling really low',
    details: 'Kate says she does not feel confident going out with the children, particularly to new places.',
  });
  d.record({
    by: 'katesHV', about: 'alfie', at: hvVisit, kind: 'observation',
    categories: ['housing'], factOrOpinion: 'fact', reportedOrWitnessed: 'reported', source: from.parent('Kate'), confidential: false,
    sensitiveCategories: ['physical_or_mental_health'],
    summary: 'Kate reports both bedrooms are damp and all three of them have chest infections',
    details: "Kate has not reported the damp to the housing office because she doesn't feel confident enough to go out with the children.",
  });
  d.record({
    by: 'katesHV', about: 'kate', at: d.day(45, '11:15'), recorded: d.day(45, '16:40'), kind: 'contact',
    categories: ['housing', 'mental_health'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: false,
    summary: "Kate accepted an outreach visit from Meadowbank Children's Centre",
    details: 'Explained that an outreach worker could help her contact the housing office about repairs and tell her about the services at the children\'s centre. Kate agreed to a referral and to the centre being told why.',
  });

  // Kelly, the outreach worker.
  d.opens({ by: 'kelly', at: d.day(43, '09:15'), people: ['kate', 'alfie', 'rosie'], relationships: family, lead: 'kelly' });
  d.record({
    by: 'kelly', about: 'kate', at: d.day(43, '09:30'), kind: 'contact',
    categories: ['mental_health', 'housing'], factOrOpinion: 'fact', reportedOrWitnessed: 'reported', source: from.professional("Kate's health visitor"), confidential: false,
    summary: 'Referral from the health visitor; phoned Kate to arrange a first visit',
  });
  d.record({
    by: 'kelly', about: 'kate', at: d.day(41, '13:30'), recorded: d.day(41, '16:00'), kind: 'home_visit', outcome: 'seen',
    categories: ['mental_health', 'housing'], factOrOpinion: 'fact', reportedOrWitnessed: 'reported', source: from.parent('Kate'), confidential: true,
    summary: 'First visit: Kate finds life as a single mother of a toddler and a new baby very hard',
    details: 'Kate explained how tired she feels, that she never gets any time for herself and how worried she is about the damp. I did not rush her. '
      + 'She is expecting a visit from the midwife in the next couple of days. Kate agreed that I contact the midwife, the housing office and her health visitor '
      + 'to tell them I have visited and what we agreed — she said it would save her explaining everything again.',
  });
  d.record({
    by: 'kelly', about: 'kate', at: d.day(40, '11:00'), kind: 'contact',
    categories: ['housing'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: false,
    summary: 'With Kate\'s agreement, contacted the housing office, the midwife and the health visitor',
    details: 'Each agency decided what it could share. We agreed to alert each other if we have any concerns about the welfare of the children.',
  });
  d.record({
    by: 'kelly', about: 'kate', at: d.day(38, '14:00'), kind: 'home_visit', outcome: 'seen',
    categories: ['mental_health', 'housing'], factOrOpinion: 'opinion', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: false,
    summary: 'Second visit: Kate appears much happier; the housing office has arranged the repairs',
    details: "Suggested the centre's mother and baby club. I will call for Kate and the children next week and go to the first session with them.",
  });
  d.record({
    by: 'kelly', about: 'kate', at: d.day(33, '10:00'), kind: 'observation',
    categories: ['mental_health'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: false,
    summary: 'Went with Kate and the children to the mother and baby club; Kate enjoyed the break',
  });
  d.record({
    by: 'kelly', about: 'alfie', at: d.day(33, '10:00'), kind: 'observation',
    categories: ['development'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: false,
    summary: 'Alfie played happily alongside other children of his age',
  });
  d.record({
    by: 'kelly', about: 'kate', at: d.day(18, '10:00'), recorded: d.day(18, '12:30'), kind: 'observation',
    categories: ['mental_health'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: false,
    summary: 'Kate came to the club on her own with the children',
  });
  d.record({
    by: 'kelly', about: 'kate', at: d.day(5, '13:00'), kind: 'contact',
    categories: ['other'], factOrOpinion: 'fact', reportedOrWitnessed: 'reported', source: from.parent('Kate'), confidential: false,
    summary: 'Regular meeting: Kate plans to return to work part-time; will help arrange childcare through the centre',
  });

  // The housing office hears from Kelly and sends a surveyor.
  d.opens({ by: 'housingOfficer', at: d.day(40, '11:20'), people: ['rosie'], relationships: [['kate', 'household_member', 'rosie']] });
  d.record({
    by: 'housingOfficer', about: 'kate', at: d.day(40, '11:20'), kind: 'contact',
    categories: ['housing'], factOrOpinion: 'fact', reportedOrWitnessed: 'reported', source: from.professional("Outreach worker, Meadowbank Children's Centre"), confidential: false,
    summary: 'Outreach worker reports damp in both bedrooms, with Kate\'s agreement; inspection booked',
  });
  d.record({
    by: 'housingOfficer', about: 'kate', at: d.day(39, '09:45'), kind: 'home_visit', outcome: 'seen',
    categories: ['housing'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: false,
    summary: 'Inspection: damp confirmed in both bedrooms; urgent repair order raised',
  });
  d.record({
    by: 'housingOfficer', about: 'kate', at: d.day(30, '15:00'), kind: 'contact',
    categories: ['housing'], factOrOpinion: 'fact', reportedOrWitnessed: 'reported', source: from.professional('Repairs contractor'), confidential: false,
    summary: 'Repairs to both bedrooms completed',
  });

  // The midwife's postnatal visit, after Kelly's call.
  d.record({
    by: 'katesMidwife', about: 'kate', at: d.day(40, '14:00'), kind: 'contact',
    categories: ['housing', 'mental_health'], factOrOpinion: 'fact', reportedOrWitnessed: 'reported', source: from.professional("Kelly Fraser, outreach worker, Meadowbank Children's Centre"), confidential: false,
    summary: "Call from Kate's outreach worker: she has visited and has contacted the housing office about the damp",
  });
  d.record({
    by: 'katesMidwife', about: 'kate', at: d.day(39, '11:00'), kind: 'home_visit', outcome: 'seen',
    categories: ['mental_health'], factOrOpinion: 'opinion', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: true,
    sensitiveCategories: ['physical_or_mental_health'],
    summary: 'Postnatal visit: Kate tired but relieved that help with the house is arranged',
  });
  d.record({
    by: 'katesHV', about: 'kate', at: d.day(40, '15:30'), kind: 'contact',
    categories: ['housing', 'mental_health'], factOrOpinion: 'fact', reportedOrWitnessed: 'reported', source: from.professional('Kelly Fraser, outreach worker'), confidential: false,
    summary: 'Kelly told me what she and Kate agreed; we will alert each other about any concern for the children',
  });
  d.record({
    by: 'katesHV', about: 'kate', at: d.day(20, '10:00'), kind: 'home_visit', outcome: 'seen',
    categories: ['mental_health'], factOrOpinion: 'opinion', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: true,
    sensitiveCategories: ['physical_or_mental_health'],
    summary: 'Kate much brighter; going to the mother and baby club and making friends',
  });
}
