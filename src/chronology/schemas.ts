import { z } from 'zod';
import { RelationshipType } from '../people/schemas.ts';
import { AgencyRecord, Category } from '../records/schemas.ts';
import { CalendarDate, Text, Uuid } from '../shared/schemas.ts';

/** Who a household member is to the child, or the child themself. */
export const Relation = z.union([z.literal('subject'), RelationshipType]).meta({ description: "'subject': the child; otherwise what this household member is to the child." });
export type Relation = z.infer<typeof Relation>;

/** The relationship types that make someone part of the child's household for the chronology. */
export const HOUSEHOLD_TYPES = ['parent', 'parental_responsibility', 'primary_carer', 'sibling', 'partner', 'household_member'] as const;

export const ChronologyQuery = z
  .strictObject({
    category: Category.optional(),
    agencyId: Uuid.optional(),
    from: CalendarDate.optional().meta({ description: 'First day (UK date of occurrence), inclusive.' }),
    to: CalendarDate.optional().meta({ description: 'Last day (UK date of occurrence), inclusive.' }),
    household: z.enum(['true', 'false']).default('false').transform((v) => v === 'true')
      .meta({ description: "Also the records of the child's current household in your own index: parents, people with parental responsibility, primary carers, siblings, partners, household members." }),
  })
  // No component id: query parameters are listed one by one in the OpenAPI document.
  .refine((q) => !q.from || !q.to || q.from <= q.to, { message: 'The end date must not be before the start date', path: ['to'] });
export type ChronologyQuery = z.output<typeof ChronologyQuery>;

export const ChronologyEntry = AgencyRecord.extend({
  agencyName: z.string(),
  about: z.object({
    personId: Uuid,
    name: z.string().nullable().meta({ description: "The person's usual name as your agency may see it." }),
    relation: Relation,
  }),
  contradictionIds: z.array(Uuid).meta({ description: 'Marks of contradiction on this entry (see contradictions).' }),
}).meta({ id: 'ChronologyEntry' });
export type ChronologyEntry = z.infer<typeof ChronologyEntry>;

export const AgencyRef = z.object({ agencyId: Uuid, agencyName: z.string(), personId: Uuid });

export const ContradictionMark = z
  .object({
    id: Uuid,
    recordId: Uuid,
    contradictsRecordId: Uuid,
    note: z.string().nullable().meta({ description: "The marking practitioner's note: shown to their own agency; others see who to ask." }),
    markedByAgencyId: Uuid,
    markedByAgencyName: z.string(),
    markedByName: z.string().nullable(),
    markedAt: z.string(),
  })
  .meta({ id: 'ContradictionMark' });
export type ContradictionMark = z.infer<typeof ContradictionMark>;

export const Contradiction = z
  .object({
    id: z.string().meta({ description: 'Stable within one chronology: the kind and what it is about.' }),
    kind: z.enum(['date_of_birth', 'current_address', 'relationship', 'marked']),
    personId: Uuid.meta({ description: 'The child (or household member) whose entries disagree.' }),
    description: z.string(),
    relationshipType: RelationshipType.nullable(),
    values: z.array(z.object({ value: z.string(), heldBy: z.array(AgencyRef) }))
      .meta({ description: 'Each value seen, and which agencies hold it: only values you may see.' }),
    mark: ContradictionMark.nullable(),
  })
  .meta({ id: 'Contradiction' });
export type Contradiction = z.infer<typeof Contradiction>;

export const Chronology = z
  .object({
    personId: Uuid,
    generatedAt: z.string(),
    viewerAgencyId: Uuid,
    viewerAgencyName: z.string(),
    household: z.boolean(),
    entries: z.array(ChronologyEntry),
    contradictions: z.array(Contradiction),
  })
  .meta({ id: 'Chronology' });
export type Chronology = z.infer<typeof Chronology>;

export const LeadWorkerContact = z.object({ practitionerId: Uuid, name: z.string(), phone: z.string().nullable(), email: z.string() });

export const AgencyInvolved = z
  .object({
    agencyId: Uuid,
    name: z.string(),
    type: z.string(),
    contactPhone: z.string().nullable(),
    contactEmail: z.string().nullable(),
    outOfHoursPhone: z.string().nullable(),
    leadWorker: LeadWorkerContact.nullable().meta({ description: "The agency's current lead worker for this person, where it has named one." }),
    yourAgency: z.boolean(),
    holdsEntry: z.boolean().meta({ description: 'Holds an entry for this person, confirmed as the same person by a link.' }),
    recordsSharedWithYou: z.number().int().meta({ description: 'How many records about this person it has shared with you (live shares).' }),
  })
  .meta({ id: 'AgencyInvolved' });
export type AgencyInvolved = z.infer<typeof AgencyInvolved>;

const HIDDEN_ID = "Null when another agency holds the entry: another agency's id for its entry is never shown (issue 16).";
export const LinkSummary = z.object({
  id: Uuid,
  personId: Uuid.nullable().meta({ description: HIDDEN_ID }),
  otherPersonId: Uuid.nullable().meta({ description: HIDDEN_ID }),
  personAgencyId: Uuid,
  otherPersonAgencyId: Uuid,
  decidedAt: z.string(),
  decidedByAgencyId: Uuid,
});

export const AgenciesInvolved = z
  .object({
    personId: Uuid,
    agencies: z.array(AgencyInvolved),
    links: z.array(LinkSummary).meta({ description: 'The live same-person links joining the entries (to undo a wrong one).' }),
  })
  .meta({ id: 'AgenciesInvolved' });
export type AgenciesInvolved = z.infer<typeof AgenciesInvolved>;

export const NewPersonLink = z
  .strictObject({ otherPersonId: Uuid, reason: Text.trim().min(1, 'Say why these are the same person').max(2000) })
  .meta({ id: 'NewPersonLink' });
export type NewPersonLink = z.output<typeof NewPersonLink>;

export const Unlink = z.strictObject({ reason: Text.trim().min(1, 'Say why the link is wrong').max(2000) }).meta({ id: 'Unlink' });
export type Unlink = z.output<typeof Unlink>;

export const PersonLink = z
  .object({
    id: Uuid,
    personId: Uuid.nullable().meta({ description: HIDDEN_ID }),
    otherPersonId: Uuid.nullable().meta({ description: HIDDEN_ID }),
    decidedBy: Uuid,
    decidedAt: z.string(),
    reason: z.string().nullable(),
    unlinkedAt: z.string().nullable(),
    unlinkedBy: Uuid.nullable(),
    unlinkReason: z.string().nullable(),
  })
  .meta({ id: 'PersonLink' });
export type PersonLink = z.infer<typeof PersonLink>;

export const NewContradictionMark = z
  .strictObject({ contradictsRecordId: Uuid, note: Text.trim().min(1, 'Say what contradicts what').max(2000) })
  .meta({ id: 'NewContradictionMark' });
export type NewContradictionMark = z.output<typeof NewContradictionMark>;
