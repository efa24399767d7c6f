import type { ActorContext } from '../shared/context.ts';

export interface AuthorityContact {
  agencyId: string;
  name: string;
  officeHoursPhone: string | null;
  outOfHoursPhone: string | null;
}

/**
 * The phone numbers an authority publishes for its flags (flag_authority_settings): the office-hours
 * number and the emergency duty team's. The referral form shows them for a child at immediate risk.
 * They are the agency's public contacts, not anyone's personal data, so reading them is not audited
 * (a flag lookup shows the same numbers to any health practitioner).
 */
export async function authorityContacts(ctx: ActorContext, agencyIds: readonly string[]): Promise<AuthorityContact[]> {
  if (!agencyIds.length) return [];
  const { rows } = await ctx.db.query<{ id: string; name: string; office_hours_phone: string | null; out_of_hours_phone: string | null }>(
    `SELECT a.id, a.name, s.office_hours_phone, s.out_of_hours_phone
       FROM agency a LEFT JOIN flag_authority_settings s ON s.agency_id = a.id
      WHERE a.id = ANY($1::uuid[]) ORDER BY a.name`, [agencyIds]);
  return rows.map((r) => ({ agencyId: r.id, name: r.name, officeHoursPhone: r.office_hours_phone, outOfHoursPhone: r.out_of_hours_phone }));
}
