import { from, type Story } from '../story.ts';

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
  d.opens({ by: 'dutySocialWorker', at: d.day(16, '10:00'), people: ['natasha'], lead: 'dutySocialWorker' });
  d.record({
    by: 'dutySocialWorker', about: 'natasha', at: d.day(16, '10:00'), kind: 'contact',
    categories: ['sexual_abuse', 'exploitation'], factOrOpinion: 'fact', reportedOrWitnessed: 'reported', source: from.professional('Child protection nurse, Northshire Sexual Health Clinic'), confidential: true,
    sensitiveCategories: ['sexual_life'],
    summary: 'Telephone referral: 14-year-old girl at risk of sexual exploitation by an older boyfriend; possible violence',
    details: 'Age and address as given by the girl; the clinic is not sure they are true.',
  });
}
