import { z } from 'zod';
import { NhsNumber, Sex } from '../people/schemas.ts';
import { LegalBasis } from '../sharing/schemas.ts';
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
    ref: Uuid.meta({ description: "What to quote to confirm or reject this candidate (`/people/{id}/candidates/{ref}/…`). For your own agency's entry, its id; for another agency's, a reference made for you alone, valid for 24 hours — never that agency's id for the entry." }),
    heldBy: z.enum(['your_agency', 'another_agency', 'another_service']).meta({
      description: "'your_agency': an entry in your own index; 'another_agency': another agency's, named; 'another_service': a service that is never named to another agency (sexual health, mental health, substance misuse, or marked sensitive by the partnership). Only safeguarding leads, Caldicott guardians and children's social care are shown other agencies' candidates.",
    }),
    personId: Uuid.nullable().meta({ description: "The entry's id: only for your own agency's entries (null otherwise)." }),
    agencyId: Uuid.nullable().meta({ description: 'Who holds the entry; null for another service.' }),
    agencyName: z.string().nullable().meta({ description: 'Who holds the entry; null for another service.' }),
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

export const Candidates = z
  .object({
    candidates: z.array(Candidate),
    notice: z.string().meta({ description: 'Always said, whatever was found: whom to ask when you think another agency knows this child. Depends only on your role, never on a match.' }),
  })
  .meta({ id: 'Candidates' });
export type Candidates = z.infer<typeof Candidates>;

export const CandidateParams = z.strictObject({ id: Uuid, otherId: Uuid });

export const MatchDecisionReason = z.strictObject({ reason: Text.trim().min(1, 'Say why').max(2000) }).meta({ id: 'MatchDecisionReason' });

export const SamePersonConfirmation = z
  .strictObject({
    reason: Text.trim().min(1, 'Say why').max(2000),
    lawfulBasis: LegalBasis.exclude(['none', 'consent', 'anonymised', 'not_confidential']).optional().meta({
      description: "Children's social care only: link another agency's (not a sensitive service's) entry at once, on this basis, without that agency's agreement. Without it, another agency's entry is asked for: nothing is linked until that agency accepts.",
    }),
  })
  .meta({ id: 'SamePersonConfirmation' });
export type SamePersonConfirmation = z.output<typeof SamePersonConfirmation>;

export const SamePersonOutcome = z
  .object({
    outcome: z.enum(['linked', 'requested']).meta({ description: "'linked': recorded as the same person now; 'requested': the other agency has been asked, and nothing is linked or visible until it accepts." }),
    linkId: Uuid.nullable().meta({ description: 'The same-person link, when linked (undo with POST /person-links/{id}/unlink).' }),
    requestId: Uuid.nullable().meta({ description: 'The link request, when the other agency has been asked.' }),
  })
  .meta({ id: 'SamePersonOutcome' });
export type SamePersonOutcome = z.infer<typeof SamePersonOutcome>;

export const LinkRequest = z
  .object({
    id: Uuid,
    direction: z.enum(['incoming', 'outgoing']).meta({ description: "'incoming': another agency asks yours; 'outgoing': yours asked another." }),
    personId: Uuid.meta({ description: "Your own agency's entry." }),
    otherAgencyId: Uuid.nullable().meta({ description: 'The other agency; null when it is a sensitive service you asked.' }),
    otherAgencyName: z.string().nullable(),
    requestedAt: z.string(),
    reason: z.string().meta({ description: 'Why the asking agency thinks these are the same person.' }),
    probability: z.number(),
    status: z.enum(['pending', 'accepted', 'declined']),
    decidedAt: z.string().nullable(),
    decisionReason: z.string().nullable(),
  })
  .meta({ id: 'LinkRequest' });
export type LinkRequest = z.infer<typeof LinkRequest>;

export const LinkRequests = z.object({ requests: z.array(LinkRequest) }).meta({ id: 'LinkRequests' });

export const NotSamePerson = z
  .object({
    id: Uuid,
    personId: Uuid.nullable().meta({ description: "One entry: null when another agency holds it (its id is never shown)." }),
    otherPersonId: Uuid.nullable().meta({ description: "The other entry: null when another agency holds it (its id is never shown)." }),
    decidedBy: Uuid,
    decidedAt: z.string(),
    reason: z.string(),
    undoneAt: z.string().nullable(),
    undoneBy: Uuid.nullable(),
    undoReason: z.string().nullable(),
  })
  .meta({ id: 'NotSamePerson' });
export type NotSamePerson = z.infer<typeof NotSamePerson>;
