import { z } from 'zod';
import { CalendarDate, Uuid, Text } from '../shared/schemas.ts';
import { KeyId, KeyTime, pageQuery } from '../shared/pagination.ts';
import { nhsNumberProblem, normaliseNhsNumber } from './nhs-number.ts';

export const PersonKind = z.enum(['child', 'adult', 'unborn']);
export const Sex = z.enum(['female', 'male', 'unknown', 'not_specified']);
export const RELATIONSHIP_TYPES = ['parent', 'parental_responsibility', 'primary_carer', 'sibling', 'household_member', 'partner', 'other'] as const;
export const RelationshipType = z.enum(RELATIONSHIP_TYPES).meta({ description: 'What the related person is to this person.' });

export const NhsNumber = z
  .string()
  .superRefine((v, ctx) => {
    const problem = nhsNumberProblem(v);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .transform(normaliseNhsNumber)
  .meta({ description: 'Ten digits; Modulus 11 check digit validated.', example: '9434765919' });

export const PersonName = z.strictObject({
  use: z.enum(['usual', 'alias', 'previous', 'preferred']).default('usual'),
  givenNames: Text.trim().max(200).default(''),
  familyName: Text.trim().max(200).default(''),
}).refine((n) => n.givenNames !== '' || n.familyName !== '', { message: 'Enter a given name or a family name', path: ['givenNames'] });

export const Address = z.strictObject({
  line1: Text.trim().min(1, 'Enter the first line of the address').max(200),
  line2: Text.trim().max(200).optional(),
  town: Text.trim().max(100).optional(),
  postcode: Text.trim().toUpperCase().max(10).optional(),
  validFrom: CalendarDate.optional(),
  validTo: CalendarDate.optional(),
}).refine((a) => !a.validFrom || !a.validTo || a.validTo >= a.validFrom, { message: 'The end date must not be before the start date', path: ['validTo'] });

export const NewPerson = z
  .strictObject({
    kind: PersonKind,
    names: z.array(PersonName).min(1, 'Give at least one name').max(20),
    dateOfBirth: CalendarDate.optional(),
    expectedDateOfDelivery: CalendarDate.optional().meta({ description: 'For an unborn child.' }),
    sex: Sex.default('unknown'),
    nhsNumber: NhsNumber.optional(),
    addresses: z.array(Address).max(50).default([]),
    preferredLanguage: Text.trim().max(100).optional(),
    communicationNeeds: Text.trim().max(2000).optional(),
  })
  .superRefine((p, ctx) => {
    if (p.kind === 'unborn') {
      if (!p.expectedDateOfDelivery) ctx.addIssue({ code: 'custom', path: ['expectedDateOfDelivery'], message: 'An unborn child needs an expected date of delivery' });
      if (p.dateOfBirth) ctx.addIssue({ code: 'custom', path: ['dateOfBirth'], message: 'An unborn child has no date of birth yet' });
    } else if (p.expectedDateOfDelivery) {
      ctx.addIssue({ code: 'custom', path: ['expectedDateOfDelivery'], message: 'Only an unborn child has an expected date of delivery' });
    }
  })
  .meta({ id: 'NewPerson' });
export type NewPerson = z.input<typeof NewPerson>;
export type NewPersonParsed = z.output<typeof NewPerson>;

export const NewName = PersonName.meta({ id: 'NewName' });
export type NewName = z.output<typeof NewName>;

export const NewAddress = Address.meta({ id: 'NewAddress' });
export type NewAddress = z.output<typeof NewAddress>;

export const NewRelationship = z
  .strictObject({
    relatedPersonId: Uuid,
    type: RelationshipType,
    validFrom: CalendarDate.optional(),
    validTo: CalendarDate.optional(),
  })
  .refine((r) => !r.validFrom || !r.validTo || r.validTo >= r.validFrom, { message: 'The end date must not be before the start date', path: ['validTo'] })
  .meta({ id: 'NewRelationship' });
export type NewRelationship = z.infer<typeof NewRelationship>;

export const NewLeadWorker = z.strictObject({ practitionerId: Uuid, validFrom: CalendarDate.optional() }).meta({ id: 'NewLeadWorker' });
export type NewLeadWorker = z.infer<typeof NewLeadWorker>;

export const Relationship = z.object({
  id: Uuid,
  personId: Uuid,
  relatedPersonId: Uuid,
  type: RelationshipType,
  validFrom: z.string().nullable(),
  validTo: z.string().nullable(),
}).meta({ id: 'Relationship' });
export type Relationship = z.infer<typeof Relationship>;

export const LeadWorker = z.object({ id: Uuid, practitionerId: Uuid, practitionerName: z.string(), validFrom: z.string(), validTo: z.string().nullable() }).meta({ id: 'LeadWorker' });
export type LeadWorker = z.infer<typeof LeadWorker>;

export const Person = z
  .object({
    id: Uuid,
    agencyId: Uuid,
    kind: PersonKind,
    names: z.array(z.object({ use: z.string(), givenNames: z.string(), familyName: z.string() })),
    dateOfBirth: z.string().nullable(),
    expectedDateOfDelivery: z.string().nullable(),
    sex: Sex,
    nhsNumber: z.string().nullable(),
    addresses: z.array(z.object({ line1: z.string(), line2: z.string().nullable(), town: z.string().nullable(), postcode: z.string().nullable(), validFrom: z.string().nullable(), validTo: z.string().nullable() })),
    preferredLanguage: z.string().nullable(),
    communicationNeeds: z.string().nullable(),
    relationships: z.array(Relationship),
    leadWorkers: z.array(LeadWorker),
    createdAt: z.string(),
    access: z.enum(['own', 'shared']).meta({ description: "'own': in your agency's index; 'shared': another agency's entry, seen because it shared records about them with you." }),
  })
  .meta({ id: 'Person' });
export type Person = z.infer<typeof Person>;

const PersonSearchFields = z.strictObject({
  name: Text.trim().max(200).optional(),
  dateOfBirth: CalendarDate.optional(),
  nhsNumber: NhsNumber.optional(),
});
const searchesForSomething = (q: { name?: string | undefined; dateOfBirth?: string | undefined; nhsNumber?: string | undefined }): boolean => Boolean(q.name || q.dateOfBirth || q.nhsNumber);
const SOMETHING = { message: 'Give a name, a date of birth or an NHS number', path: ['name'] };

export const PersonSearch = PersonSearchFields.refine(searchesForSomething, SOMETHING).meta({ id: 'PersonSearch' });
export type PersonSearch = z.infer<typeof PersonSearch>;

/** The people search's keyset: when the entry was made, then its id. */
export const PersonSearchKey = z.tuple([KeyTime, KeyId]);
export type PersonSearchKey = z.infer<typeof PersonSearchKey>;

/** The API's search: the same fields, with the page asked for (in the body, like the search, so nothing about the person reaches a URL). */
export const PersonSearchPage = PersonSearchFields.extend(pageQuery('people.search', PersonSearchKey))
  .refine(searchesForSomething, SOMETHING)
  .meta({ id: 'PersonSearchPage' });

/** Ends an address or a relationship on a day: the row stays, so the history shows where and with whom, and when. */
export const EndPeriod = z.strictObject({ validTo: CalendarDate }).meta({ id: 'EndPeriod' });
export type EndPeriod = z.infer<typeof EndPeriod>;

export const HeldAddress = z.object({
  id: Uuid, line1: z.string(), line2: z.string().nullable(), town: z.string().nullable(), postcode: z.string().nullable(), validFrom: z.string().nullable(), validTo: z.string().nullable(),
}).meta({ id: 'HeldAddress' });
export type HeldAddress = z.infer<typeof HeldAddress>;
