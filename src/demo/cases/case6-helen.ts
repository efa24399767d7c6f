import { fictionalNhsNumber, from, type Story } from '../story.ts';

/**
 * Case example 6 — sharing information where there is possible abuse of a disabled child.
 * Helen (7) has cerebral palsy and very little verbal communication. Bruising is seen on
 * admission; the doctor records what he saw, the mother's explanation in her own words, and the
 * consultant paediatrician her opinion. The mother does not consent to children's social care
 * being told; the consultant overrides that, tells her so, and refers by telephone.
 */
export function caseHelen(d: Story): void {
  const home = { line1: '48 Beacon Lane', town: 'Northshire', postcode: 'NS8 1GU' };
  d.addCast({
    sandra: { kind: 'adult', names: [{ givenNames: 'Sandra', familyName: 'Whitfield' }], dateOfBirth: d.born(38, 3), sex: 'female', addresses: [home] },
    helen: {
      kind: 'child', names: [{ givenNames: 'Helen', familyName: 'Whitfield' }], dateOfBirth: d.born(7, 4), sex: 'female', addresses: [home],
      nhsNumber: fictionalNhsNumber(610_001),
      communicationNeeds: 'Cerebral palsy with very little verbal communication. Ask her mother and her school how Helen communicates best; allow plenty of time and do not rely on yes/no answers.',
    },
  });
  const mother = [['helen', 'parent', 'sandra'], ['helen', 'parental_responsibility', 'sandra'], ['helen', 'primary_carer', 'sandra']] as const;

  // The hospital has known Helen for years; surgery to her legs was planned at clinic.
  d.opens({ by: 'consultant', at: d.day(60, '14:00'), people: ['helen', 'sandra'], relationships: mother, lead: 'consultant', differs: { sandra: { addresses: [] } } });
  d.record({
    by: 'consultant', about: 'helen', at: d.day(60, '14:00'), kind: 'appointment', outcome: 'attended',
    categories: ['development'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: true,
    sensitiveCategories: ['physical_or_mental_health'],
    summary: 'Paediatric and orthopaedic clinic: listed for surgery to both legs',
  });

  // Admission day.
  d.record({
    by: 'admittingDoctor', about: 'helen', at: d.day(3, '08:30'), kind: 'hospital_attendance',
    categories: ['development'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: true,
    sensitiveCategories: ['physical_or_mental_health'],
    summary: "Admitted to the children's ward for planned surgery to her legs",
  });
  d.record({
    key: 'helenBruising',
    by: 'admittingDoctor', about: 'helen', at: d.day(3, '09:10'), recorded: d.day(3, '09:40'), kind: 'observation',
    categories: ['physical_abuse'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: true,
    sensitiveCategories: ['physical_or_mental_health'],
    summary: 'Bruising to both lower legs seen during the admission examination',
    details: 'Several bruises of different colours. Body map completed.',
  });
  d.record({
    by: 'admittingDoctor', about: 'helen', at: d.day(3, '09:15'), recorded: d.day(3, '09:50'), kind: 'contact',
    categories: ['physical_abuse'], factOrOpinion: 'fact', reportedOrWitnessed: 'reported', source: from.parent('Sandra Whitfield, mother'), confidential: true,
    summary: "Mother thinks the bruising may be from Helen's callipers; Helen has just come back from respite care",
    details: 'Mother said: "She always comes back in a state." She is considering not sending her any more, but she has three other children and needs the break from caring.',
  });
  d.record({
    by: 'admittingDoctor', about: 'helen', at: d.day(3, '09:20'), recorded: d.day(3, '09:55'), kind: 'observation',
    categories: ['physical_abuse'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: true,
    summary: 'Asked Helen how the bruises happened; we could not communicate well enough for me to tell whether the callipers caused them',
  });
  d.correct(d.day(3, '10:30'), 'admittingDoctor', 'helenBruising', {
    summary: 'Bruising to both lower legs and both thighs seen during the admission examination',
    correctionReason: 'The bruising to the thighs was missing from the first entry; it is on the body map.',
  });
  d.record({
    by: 'consultant', about: 'helen', at: d.day(3, '11:30'), recorded: d.day(3, '12:00'), kind: 'observation',
    categories: ['physical_abuse'], factOrOpinion: 'opinion', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: true,
    sensitiveCategories: ['physical_or_mental_health'],
    summary: 'In my opinion the pattern of bruising is not typical of calliper rubbing; I am worried about how it was caused',
    details: 'Helen may be at risk of harm when she is in respite care. The cause, and who if anyone is responsible, remain open.',
  });
  d.record({
    by: 'consultant', about: 'helen', at: d.day(3, '12:15'), recorded: d.day(3, '12:35'), kind: 'contact',
    categories: ['physical_abuse'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.parent('Sandra Whitfield, mother'), confidential: true,
    summary: "Mother does not consent to children's social care being told; I told her I will share my concerns anyway, and why",
    details: 'She is worried Helen would lose her respite care. I explained that I am concerned Helen may be at risk of harm when placed in respite care, and that this outweighs her refusal.',
  });
  d.record({
    by: 'consultant', about: 'helen', at: d.day(3, '12:45'), recorded: d.day(3, '13:00'), kind: 'contact',
    categories: ['physical_abuse'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: true,
    summary: "Telephone referral to children's social care; to be confirmed in writing within 48 hours",
  });

  // Children's social care receives the referral.
  d.opens({ by: 'dutySocialWorker', at: d.day(3, '12:50'), people: ['helen', 'sandra'], relationships: mother, lead: 'dutySocialWorker', differs: { helen: { nhsNumber: undefined } } });
  d.record({
    by: 'dutySocialWorker', about: 'helen', at: d.day(3, '12:45'), recorded: d.day(3, '13:20'), kind: 'contact',
    categories: ['physical_abuse'], factOrOpinion: 'fact', reportedOrWitnessed: 'reported', source: from.professional('Dr Eleanor Hart, consultant paediatrician, Northshire General Hospital'), confidential: true,
    sensitiveCategories: ['physical_or_mental_health'],
    summary: 'Telephone referral: unexplained bruising to the legs and thighs of a disabled child just back from respite care',
    details: 'The mother does not consent and has been told of the referral. Helen has very little verbal communication.',
  });
  d.record({
    by: 'dutySocialWorker', about: 'helen', at: d.day(2, '10:00'), kind: 'contact',
    categories: ['physical_abuse'], factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed', source: from.practitioner(), confidential: true,
    summary: 'Strategy discussion with the police and the consultant: keep an open mind about the cause and who, if anyone, is responsible',
  });
}
