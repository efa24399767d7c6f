import { z } from 'zod';
import { NhsNumber, Sex } from '../people/schemas.ts';
import { CalendarDate, Uuid, Text } from '../shared/schemas.ts';

export const CandidateSearch = z
  .strictObject({
    givenNames: Text.trim().max(200).optional(),
    familyName: Text.trim().max(200).optional(),
    dateOfBirth: CalendarDate.optional(),
    sex: Sex.optional(),
    nhsNumber: NhsNumber.optional(),
    address: Text.trim().max(400).optional(),
    postcode: Text.trim().toUpperCase().max(10).optional(),
    town: Text.trim().max(100).optional(),
    minProbability: z.number().min(0.01).max(1).default(0.2),
  })
  .refine((q) => q.givenNames || q.familyName || q.dateOfBirth || q.nhsNumber, { message: 'Give a name, a date of birth or an NHS number', path: ['familyName'] })
  .meta({ id: 'CandidateSearch' });
export type CandidateSearch = z.output<typeof CandidateSearch>;

export const CandidateQuery = z.strictObject({
  minProbability: z.coerce.number().min(0.01, 'At least 0.01').max(1, 'At most 1').default(0.2),
});
export type CandidateQuery = z.output<typeof CandidateQuery>;

export const Contribution = z.object({
  field: z.string(),
  level: z.string(),
  weight: z.number().meta({ description: 'Match weight in bits: positive is evidence for the same person, negative against.' }),
  text: z.string(),
});

export const Candidate = z
  .object({
    personId: Uuid.meta({ description: 'The candidate entry. Another agency\'s entry cannot be opened with it; it is for recording a decision.' }),
    agencyId: Uuid,
    agencyName: z.string(),
    yourAgency: z.boolean(),
    probability: z.number(),
    matchWeight: z.number(),
    confidence: z.enum(['confident', 'possible', 'unlikely']).meta({
      description: "'confident': probability ≥ 0.95 and no conflicting evidence; 'possible': ≥ 0.5, or conflicting evidence; 'unlikely': below 0.5.",
    }),
    explanation: z.string().meta({ description: 'Why, in words; says how the details compare, never what the other entry holds.' }),
    contributions: z.array(Contribution),
    conflicts: z.array(z.string()).meta({ description: 'Evidence that these are different people, e.g. different NHS numbers, no recorded parent in common, a different first name and date of birth, or possible twins. A candidate with a conflict is never confident.' }),
  })
  .meta({ id: 'Candidate' });
export type Candidate = z.infer<typeof Candidate>;

export const Candidates = z.object({ candidates: z.array(Candidate) }).meta({ id: 'Candidates' });
export type Candidates = z.infer<typeof Candidates>;

export const CandidateParams = z.strictObject({ id: Uuid, otherId: Uuid });

export const MatchDecisionReason = z.strictObject({ reason: Text.trim().min(1, 'Say why').max(2000) }).meta({ id: 'MatchDecisionReason' });

export const NotSamePerson = z
  .object({
    id: Uuid,
    personId: Uuid,
    otherPersonId: Uuid,
    decidedBy: Uuid,
    decidedAt: z.string(),
    reason: z.string(),
    undoneAt: z.string().nullable(),
    undoneBy: Uuid.nullable(),
    undoReason: z.string().nullable(),
  })
  .meta({ id: 'NotSamePerson' });
export type NotSamePerson = z.infer<typeof NotSamePerson>;
