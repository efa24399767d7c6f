import type { Role } from '../access/policy.ts';
import type { Services } from '../shared/context.ts';
import { addPractitionerAsSystem, createAgency, createPartnership } from '../partnership/partnership.ts';

export const DEMO_PARTNERSHIP_NAME = 'Northshire Safeguarding Children Partnership (demo)';

export interface DemoAccount {
  name: string;
  email: string;
  jobTitle: string;
  agencyName: string;
  roles: Role[];
}

/** Placeholder: one agency. The full eight case examples replace this. */
export async function loadDemo(s: Services, opts: { passwordHash: string }): Promise<DemoAccount[]> {
  const p = await createPartnership(s, { name: DEMO_PARTNERSHIP_NAME, nation: 'england-and-wales' });
  const school = await createAgency(s, { name: 'Riverside Primary School', type: 'school', partnershipIds: [p.id] });
  const account: DemoAccount = { name: 'Amira Shah', email: 'amira.shah@riverside.school.example', jobTitle: "Jack's class teacher", agencyName: school.name, roles: ['practitioner'] };
  await addPractitionerAsSystem(s, { agencyId: school.id, name: account.name, email: account.email, jobTitle: account.jobTitle, roles: account.roles }, opts);
  return [account];
}
