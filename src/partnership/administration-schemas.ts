import { z } from 'zod';
import { Text, Uuid } from '../shared/schemas.ts';
import { AgencyType, LocalAuthorityCode, Nation, OdsCode } from './schemas.ts';

/** What partnership administrators work with on their pages and through the API (issue 19, item 4). */

const name = Text.trim().min(1, 'Enter a name').max(200);

export const PartnershipAgency = z.object({
  id: Uuid, name: z.string(), type: AgencyType, odsCode: z.string().nullable(), localAuthorityCode: z.string().nullable(),
  sensitive: z.boolean().meta({ description: 'Never named to another agency as holding a possible same-person match.' }),
}).meta({ id: 'PartnershipAgency' });
export type PartnershipAgency = z.infer<typeof PartnershipAgency>;

export const PartnershipDetail = z
  .object({ id: Uuid, name: z.string(), nation: Nation, agencies: z.array(PartnershipAgency) })
  .meta({ id: 'PartnershipDetail', description: 'A partnership your agency belongs to, with its agencies and their codes.' });
export type PartnershipDetail = z.infer<typeof PartnershipDetail>;

export const PartnershipChange = z.strictObject({ name }).meta({ id: 'PartnershipChange' });
export type PartnershipChange = z.infer<typeof PartnershipChange>;

export const AgencyChange = z
  .strictObject({
    name: name.optional(),
    odsCode: OdsCode.nullable().optional(),
    localAuthorityCode: LocalAuthorityCode.nullable().optional(),
  })
  .meta({ id: 'AgencyChange', description: 'Fields left out are unchanged; null clears a code. Only children\'s social care has a local authority code.' });
export type AgencyChange = z.infer<typeof AgencyChange>;

export const AgencyJoin = z
  .strictObject({ agencyId: Uuid.meta({ description: 'An agency of another of your partnerships.' }) })
  .meta({ id: 'AgencyJoin' });
export type AgencyJoin = z.infer<typeof AgencyJoin>;
