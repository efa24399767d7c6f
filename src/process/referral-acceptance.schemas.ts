import { z } from 'zod';
import { ChildSummary } from '../people/child-summary.ts';
import { Candidate } from '../matching/schemas.ts';
import { Text, Uuid } from '../shared/schemas.ts';
import { ReferralSourceField } from '../statutory-returns/cin/census-items.schemas.ts';

/**
 * Accepting a referral (issue 17): the duty social worker chooses the child's entry among the
 * authority's own entries the matcher offers, or says none fits ("new").
 */

export const AcceptReferral = z
  .strictObject({
    personId: z
      .union([z.literal('new'), Uuid], { error: (iss) => (iss.input === undefined
        ? "Choose the child's entry in your agency's index from the possible matches, or 'new' to add the child from the referral"
        : "Must be the id of an entry in your agency's index, or 'new'") })
      .meta({ description: "Your agency's entry for the child, chosen from GET /referrals/{id}/candidates; or 'new' when none of them is the child: a new entry is then made from the identity the referral carries, with its address and the parents or carers it names." }),
    allocatedWorkerId: Uuid.optional().meta({ description: 'The social worker who holds the case: told at once of earlier child protection plans of the child or the adults around them, with the team managers.' }),
    team: Text.trim().max(200).optional(),
    referralSource: ReferralSourceField,
  })
  .meta({ id: 'AcceptReferral' });
export type AcceptReferral = z.output<typeof AcceptReferral>;

export const ReferralCandidate = Candidate.extend({
  personId: Uuid.meta({ description: "The entry's id in your agency's index: quote it as personId to accept the referral onto it." }),
  child: ChildSummary.meta({ description: 'Who the entry is: name and date of birth, or "unborn baby of …" with the expected date.' }),
  linked: z.boolean().meta({ description: "Already recorded as the same child as the referrer's own entry." }),
}).meta({ id: 'ReferralCandidate' });
export type ReferralCandidate = z.infer<typeof ReferralCandidate>;

export const ReferralCandidates = z
  .object({
    candidates: z.array(ReferralCandidate).meta({ description: "Entries in your own agency's index only (never another agency's), most likely first; unborn entries are matched by the mother and the expected date of delivery." }),
    placed: Uuid.nullable().meta({ description: 'The entry the referral has already been placed with, if it has.' }),
  })
  .meta({ id: 'ReferralCandidates' });
export type ReferralCandidates = z.infer<typeof ReferralCandidates>;
