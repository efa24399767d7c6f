import { z } from 'zod';
import { CalendarDate, Text, Uuid } from '../../shared/schemas.ts';
import { AssessmentFactorCode, ClosureReasonCode, DisabilityCode, EthnicityCode, PrimaryNeedCode, ReferralSourceCode, UpnUnknownCode } from './codes.ts';
import { canonicalUpn, upnProblem } from './upn.ts';

/**
 * The census items recorded on the child and the episode (issue 20), as the API reads and
 * corrects them. Null is "not recorded". In a PUT an item left out is left as it is, and null
 * clears it: the data team corrects one item without having to send (or see) the others again.
 */

/** A UPN as typed: any case, checked against the DfE's check letter, stored upper case. */
const Upn = Text.trim()
  .transform(canonicalUpn)
  .superRefine((v, ctx) => {
    const problem = upnProblem(v);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .meta({ description: 'The unique pupil number: 13 characters, its DfE check letter first. Lower case is taken as upper case.' });

const childFields = {
  ethnicity: EthnicityCode.nullable(),
  disabilities: z.array(DisabilityCode).min(1, 'Choose at least one, or “No disability”').max(13).nullable()
    .meta({ description: 'The DfE disability codes; `["NONE"]` for no disability (NONE is never given with another code). Null: not recorded.' }),
  upn: Upn.nullable(),
  formerUpn: Upn.nullable().meta({ description: 'A UPN the child had before, when it changed.' }),
  upnUnknown: UpnUnknownCode.nullable().meta({ description: 'Why the child has no UPN (UN1–UN7): only when `upn` is null.' }),
  laChildId: z.string().trim().regex(/^[A-Za-z0-9]{1,20}$/, 'Use up to 20 letters and digits, with no spaces').nullable()
    .meta({ description: "The authority's own identifier for the child in the census (LAchildID): up to 20 letters and digits, unique among your agency's children (422 naming `laChildId` when taken)." }),
  dateOfDeath: CalendarDate.nullable().meta({ description: 'Not before the date of birth, not in the future.' }),
};

export const ChildCensus = z
  .object({
    personId: Uuid,
    name: z.string().meta({ description: 'The usual name: the data team sees the name, the date of birth and these items, nothing of the casework.' }),
    dateOfBirth: z.string().nullable(),
    expectedDateOfDelivery: z.string().nullable().meta({ description: 'For an unborn child.' }),
    ethnicity: z.string().nullable(),
    disabilities: z.array(z.string()).nullable(),
    upn: z.string().nullable(),
    formerUpn: z.string().nullable(),
    upnUnknown: z.string().nullable(),
    laChildId: z.string().nullable(),
    dateOfDeath: z.string().nullable(),
  })
  .meta({ id: 'ChildCensus' });
export type ChildCensus = z.infer<typeof ChildCensus>;

export const ChildCensusInput = z.strictObject(Object.fromEntries(Object.entries(childFields).map(([k, v]) => [k, v.optional()])) as {
  [K in keyof typeof childFields]: z.ZodOptional<(typeof childFields)[K]>
}).meta({ id: 'ChildCensusInput' });
export type ChildCensusInput = z.output<typeof ChildCensusInput>;

export const AssessmentCensus = z
  .object({
    seq: z.number().int().meta({ description: 'The assessment_completed action of the episode (its seq) these items belong to.' }),
    completedAt: z.string(),
    kind: z.string().nullable(),
    factors: z.array(z.string()).meta({ description: 'The DfE factors identified at assessment; empty: not recorded.' }),
    internalReviewOn: z.string().nullable().meta({ description: 'The date of the internal review (authorisation) of the assessment.' }),
  })
  .meta({ id: 'AssessmentCensus' });

export const EpisodeCensus = z
  .object({
    episodeId: Uuid,
    childPersonId: Uuid,
    name: z.string(),
    dateOfBirth: z.string().nullable(),
    openedAt: z.string().meta({ description: 'When the referral was received (the census referral date).' }),
    closedAt: z.string().nullable(),
    referralSource: z.string().nullable(),
    primaryNeed: z.string().nullable(),
    closureReason: z.string().nullable(),
    assessments: z.array(AssessmentCensus).meta({ description: 'One per completed assessment of the episode, oldest first.' }),
  })
  .meta({ id: 'EpisodeCensus' });
export type EpisodeCensus = z.infer<typeof EpisodeCensus>;

export const EpisodeCensusInput = z
  .strictObject({
    referralSource: ReferralSourceCode.nullable().optional(),
    primaryNeed: PrimaryNeedCode.nullable().optional(),
    closureReason: ClosureReasonCode.nullable().optional().meta({ description: 'Only for a closed episode (422 naming `closureReason` otherwise).' }),
    assessments: z.array(z.strictObject({
      seq: z.number().int().min(1).meta({ description: 'The assessment_completed action (422 naming it when the episode has no such action).' }),
      factors: z.array(AssessmentFactorCode).max(60).optional(),
      internalReviewOn: CalendarDate.nullable().optional(),
    })).max(100).optional().meta({ description: 'The assessments to correct; those left out stay as they are.' }),
  })
  .meta({ id: 'EpisodeCensusInput' });
export type EpisodeCensusInput = z.output<typeof EpisodeCensusInput>;

/** The census items asked at the moment of work, on the episode's actions (src/process/schemas.ts). */
export const ClosureReasonField = ClosureReasonCode.optional().meta({ description: 'When the action closes the episode: the DfE reason for closure (RC1–RC9). Refused (422) on an action that does not close it.' });
export const PrimaryNeedField = PrimaryNeedCode.optional().meta({ description: 'The primary need found (N0–N9), for the census.' });
export const FactorsField = z.array(AssessmentFactorCode).max(60).optional().meta({ description: 'The factors identified at the assessment (DfE codes), for the census.' });
export const InternalReviewField = CalendarDate.optional().meta({ description: "The date of the assessment's internal review (authorisation), for the census." });
export const ReferralSourceField = ReferralSourceCode.optional().meta({ description: "Where the referral came from (the DfE's code): for a referral from a member of the public or an episode opened directly. A partner's referral counts by the referring agency's type unless given." });
