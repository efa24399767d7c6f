import type { Role } from '../../src/access/policy.ts';
import type { AgencyType } from '../../src/partnership/schemas.ts';
import { AREAS, idFor, nameMaker, nhsNumber, rngFor, type Rng } from './names.ts';

/**
 * The partnership as plain data, generated from a seed: agencies of the real kinds, their staff,
 * families whose members are known to the agencies a family meets (a GP, the children's schools,
 * health visiting for the under-fives, the police, children's social care for some), each agency
 * with its own entry for each member, and the same-person links matching would make between those
 * entries. Everything that scales does so with `people` (person entries, across all agencies).
 */

export interface PartnershipOptions {
  /** Person entries across all agencies (default 150,000). */
  people: number;
  seed: number;
  /** Agencies in the partnership (default 60; a small test uses fewer). */
  agencies?: number;
  /** The partnership's "today": history is generated before it (default 2026-11-30, fixed so a seed always gives the same data). */
  asOf?: string;
}

export interface AgencyPlan { id: string; name: string; type: AgencyType; area: number | null; domain: string; laCode: string | null }
export interface StaffPlan { id: string; agency: number; name: string; email: string; jobTitle: string; roles: Role[] }
export interface EntryPlan {
  id: string;
  agency: number;
  individual: number;
  kind: 'child' | 'adult';
  dob: string;
  sex: 'female' | 'male';
  nhs: string | null;
  given: string;
  family: string;
  line1: string;
  town: string;
  postcode: string;
  createdBy: number;
  createdAt: string;
  /** Records this agency holds about the entry (skewed: most few, some many). */
  records: number;
}
export interface IndividualPlan { child: boolean; entries: number[]; family: number }
export interface World {
  seed: number;
  asOf: string;
  partnershipId: string;
  agencies: AgencyPlan[];
  staff: StaffPlan[];
  entries: EntryPlan[];
  individuals: IndividualPlan[];
  /** Same-person links: [entry, other entry, deciding staff]. */
  links: [number, number, number][];
  /** child entry → parent entry, in the same agency's index. */
  parents: [number, number][];
  staffByAgency: number[][];
}

/** Sixty agencies of a two-authority partnership; a smaller count keeps the proportions (at least one of each core kind). */
const MIX: [AgencyType, number, string][] = [
  ['childrens_social_care', 2, "Children's Social Care"], ['school', 24, 'School'], ['gp', 10, 'Surgery'], ['health_visiting', 2, 'Health Visiting Service'],
  ['midwifery', 1, 'Community Midwifery'], ['hospital', 2, 'Hospital'], ['police', 1, 'Police'], ['probation', 1, 'Probation Service'],
  ['youth_offending', 1, 'Youth Justice Service'], ['housing', 2, 'Housing'], ['adult_social_care', 1, 'Adult Social Care'], ['early_years', 4, "Children's Centre"],
  ['mental_health', 1, 'CAMHS'], ['substance_misuse', 1, 'Drug and Alcohol Service'], ['sexual_health_clinic', 1, 'Sexual Health Clinic'], ['voluntary_sector', 6, 'Family Support'],
];
const JOBS: Partial<Record<AgencyType, string[]>> = {
  school: ['Class teacher', 'Pastoral support worker', 'Special educational needs coordinator'], gp: ['GP', 'Practice nurse'], health_visiting: ['Health visitor', 'Community nursery nurse'],
  midwifery: ['Community midwife'], hospital: ['Paediatric nurse', 'Emergency department nurse', 'Paediatrician'], police: ['Detective constable, child protection unit', 'Police constable'],
  probation: ['Probation officer'], youth_offending: ['Youth justice worker'], housing: ['Housing officer', 'Tenancy support officer'], adult_social_care: ['Adult social worker'],
  early_years: ['Early years practitioner', 'Family outreach worker'], mental_health: ['CAMHS practitioner'], substance_misuse: ['Drug and alcohol worker'],
  sexual_health_clinic: ['Sexual health nurse'], voluntary_sector: ['Family support worker', 'Volunteer coordinator'], childrens_social_care: ['Social worker'],
};
const HEALTH: readonly AgencyType[] = ['gp', 'health_visiting', 'midwifery', 'hospital', 'mental_health', 'sexual_health_clinic'];

const iso = (ms: number): string => new Date(ms).toISOString();
const DAY = 86_400_000;

function agencies(seed: number, count: number): AgencyPlan[] {
  const scale = count / 60;
  const out: AgencyPlan[] = [];
  let la = 0;
  for (const [type, n, label] of MIX) {
    const k = type === 'childrens_social_care' ? Math.min(2, Math.max(1, Math.round(n * scale))) : Math.max(1, Math.round(n * scale));
    for (let i = 0; i < k; i++) {
      const area = k >= AREAS.length ? i % AREAS.length : null;
      const place = AREAS[(i * 3 + out.length) % AREAS.length]![0];
      const name = type === 'childrens_social_care' ? `${i === 0 ? 'Northshire' : 'Southshire'} ${label}` : type === 'school' ? `${place} ${i % 3 === 0 ? 'Primary School' : i % 3 === 1 ? 'Academy' : 'Infant and Nursery School'}` : `${place} ${label}`;
      const domain = `${name.toLowerCase().replace(/[^a-z]+/g, '-').replace(/^-|-$/g, '')}-${out.length}.example`;
      // Real-looking but fictional local authority codes (the census needs three digits).
      out.push({ id: idFor(seed, `agency:${out.length}`), name, type, area, domain, laCode: type === 'childrens_social_care' ? ['931', '936'][la++]! : null });
    }
  }
  return out;
}

/** The agency of a kind serving an area (schools and GPs are local; most others serve everyone). */
function servingArea(list: AgencyPlan[], type: AgencyType, area: number, rnd: Rng): number {
  const all = list.map((a, i) => [a, i] as const).filter(([a]) => a.type === type);
  const local = all.filter(([a]) => a.area === area);
  const pool = local.length ? local : all;
  return pool[Math.floor(rnd() * pool.length)]![1];
}

export function generateWorld(o: PartnershipOptions): World {
  const seed = o.seed;
  const asOf = o.asOf ?? '2026-11-30T17:00:00.000Z';
  const end = Date.parse(asOf);
  const rnd = rngFor(seed, 1);
  const names = nameMaker(rngFor(seed, 2));
  const ag = agencies(seed, o.agencies ?? 60);
  const of = (type: AgencyType): number[] => ag.flatMap((a, i) => (a.type === type ? [i] : []));
  const csc = of('childrens_social_care');

  const entries: EntryPlan[] = [];
  const individuals: IndividualPlan[] = [];
  const links: [number, number, number][] = [];
  const parentsOf: [number, number][] = [];
  let family = 0;
  while (entries.length < o.people) {
    const area = Math.floor(rnd() * AREAS.length);
    const surname = names.family();
    const line1 = names.street();
    const postcode = names.postcode(area);
    const town = AREAS[area]![0];
    const gp = servingArea(ag, 'gp', area, rnd);
    const school = servingArea(ag, 'school', area, rnd);
    const knownToCsc = rnd() < 0.12;
    const cscAgency = csc[area % csc.length]!;
    const police = rnd() < 0.12;
    const members: { child: boolean; agencies: number[]; sex: 'female' | 'male'; ageDays: number; given: string; family: string }[] = [];
    const adults = rnd() < 0.7 ? 2 : 1;
    for (let a = 0; a < adults; a++) {
      const sex = a === 0 ? 'female' : 'male';
      const where = [gp];
      if (police) where.push(servingArea(ag, 'police', area, rnd));
      if (knownToCsc) where.push(cscAgency);
      if (a === 0 && rnd() < 0.25) where.push(servingArea(ag, 'housing', area, rnd));
      if (rnd() < 0.12) where.push(servingArea(ag, 'hospital', area, rnd));
      if (rnd() < 0.03) where.push(servingArea(ag, 'probation', area, rnd));
      if (rnd() < 0.03) where.push(servingArea(ag, 'adult_social_care', area, rnd));
      if (rnd() < 0.02) where.push(servingArea(ag, 'substance_misuse', area, rnd));
      if (rnd() < 0.02) where.push(servingArea(ag, 'sexual_health_clinic', area, rnd));
      if (rnd() < 0.06) where.push(servingArea(ag, 'voluntary_sector', area, rnd));
      members.push({ child: false, agencies: where, sex, ageDays: Math.floor((20 + rnd() * 30) * 365.25), given: names.given(sex), family: a === 0 || rnd() < 0.7 ? surname : names.family() });
    }
    const children = [1, 1, 2, 2, 2, 3, 3, 4][Math.floor(rnd() * 8)]!;
    for (let c = 0; c < children; c++) {
      const sex = rnd() < 0.5 ? 'female' : 'male';
      const ageDays = Math.floor(rnd() * 17.5 * 365.25);
      const years = ageDays / 365.25;
      const where = [gp];
      if (years >= 4 && years < 16) where.push(school);
      if (years < 5) where.push(servingArea(ag, 'health_visiting', area, rnd));
      if (years < 5 && rnd() < 0.3) where.push(servingArea(ag, 'early_years', area, rnd));
      if (knownToCsc) where.push(cscAgency);
      if (police && rnd() < 0.3) where.push(servingArea(ag, 'police', area, rnd));
      if (rnd() < 0.15) where.push(servingArea(ag, 'hospital', area, rnd));
      if (years >= 10 && rnd() < 0.02) where.push(servingArea(ag, 'youth_offending', area, rnd));
      if (years >= 8 && rnd() < 0.03) where.push(servingArea(ag, 'mental_health', area, rnd));
      if (rnd() < 0.05) where.push(servingArea(ag, 'voluntary_sector', area, rnd));
      members.push({ child: true, agencies: [...new Set(where)], sex, ageDays, given: names.given(sex), family: surname });
    }
    const nhs = members.map(() => nhsNumber(rnd));
    const entryOf: Map<number, number>[] = [];
    members.forEach((m, mi) => {
      const individual = individuals.length;
      const own: number[] = [];
      const byAgency = new Map<number, number>();
      for (const agency of m.agencies) {
        // Each agency writes the name as it was given to it: now and then a nickname or a slip.
        const given = rnd() < 0.04 ? m.given.slice(0, -1) + m.given.slice(-1).replace(/[aeiouy]$/, 'ie') : m.given;
        const firstSeen = end - Math.floor(rnd() * Math.min(m.ageDays, 6 * 365) * DAY) - DAY;
        byAgency.set(agency, entries.length);
        own.push(entries.length);
        entries.push({
          id: idFor(seed, `person:${entries.length}`), agency, individual, kind: m.child ? 'child' : 'adult',
          dob: iso(end - m.ageDays * DAY).slice(0, 10), sex: m.sex, nhs: HEALTH.includes(ag[agency]!.type) ? nhs[mi]! : null,
          given, family: m.family, line1, town, postcode: rnd() < 0.9 ? postcode : names.postcode(area), createdBy: -1, createdAt: iso(firstSeen), records: 0,
        });
      }
      entryOf.push(byAgency);
      individuals.push({ child: m.child, entries: own, family });
      // Matching confirms each further entry as the same person as the first agency's (a star, one decision each).
      for (const other of own.slice(1)) links.push([own[0]!, other, -1]);
    });
    // A child's parents, recorded by each agency that holds both (a GP, children's social care).
    members.forEach((m, mi) => {
      if (!m.child) return;
      for (const [agency, childEntry] of entryOf[mi]!) {
        members.forEach((p, pi) => {
          const parentEntry = entryOf[pi]!.get(agency);
          if (!p.child && parentEntry !== undefined) parentsOf.push([childEntry, parentEntry]);
        });
      }
    });
    family++;
  }

  const staff = staffFor(seed, ag, entries, o.people, rngFor(seed, 3));
  const staffByAgency = ag.map(() => [] as number[]);
  staff.forEach((s, i) => staffByAgency[s.agency]!.push(i));
  const pick = (agency: number, r: number): number => {
    const list = staffByAgency[agency]!;
    return list[Math.floor(r * list.length)]!;
  };
  for (const e of entries) e.createdBy = pick(e.agency, rnd());
  for (const l of links) l[2] = pick(entries[l[0]]!.agency, rnd());
  assignRecordCounts(entries, ag, rngFor(seed, 4));
  return { seed, asOf, partnershipId: idFor(seed, 'partnership'), agencies: ag, staff, entries, individuals, links, parents: parentsOf, staffByAgency };
}

/** 0.02 practitioners per person entry, shared by each agency's entries, at least three per agency. */
function staffFor(seed: number, ag: AgencyPlan[], entries: EntryPlan[], people: number, rnd: Rng): StaffPlan[] {
  const names = nameMaker(rnd);
  const perAgency = ag.map(() => 0);
  for (const e of entries) perAgency[e.agency]!++;
  const total = Math.max(Math.round(people * 0.02), ag.length * 3);
  const out: StaffPlan[] = [];
  // Children's social care holds fewer entries than a GP but far more casework per child.
  const weights = ag.map((a, ai) => perAgency[ai]! * (a.type === 'childrens_social_care' ? 4 : 1));
  const sum = weights.reduce((s, w) => s + w, 0);
  ag.forEach((a, ai) => {
    const n = Math.max(3, Math.round((total * weights[ai]!) / sum));
    for (let k = 0; k < n; k++) {
      const sex = rnd() < 0.7 ? 'female' : 'male';
      const given = names.given(sex);
      const family = names.family();
      const jobs = JOBS[a.type] ?? ['Practitioner'];
      let roles: Role[];
      let jobTitle: string;
      if (k === 0) [roles, jobTitle] = [['safeguarding_lead'], a.type === 'school' ? 'Designated safeguarding lead' : 'Named safeguarding lead'];
      else if (k === 1 && n >= 8) [roles, jobTitle] = [['manager'], a.type === 'childrens_social_care' ? 'Team manager' : 'Service manager'];
      else if (a.type === 'childrens_social_care') [roles, jobTitle] = [['social_worker'], k % 5 === 0 ? 'Senior social worker' : 'Social worker'];
      else [roles, jobTitle] = [['practitioner'], jobs[k % jobs.length]!];
      out.push({ id: idFor(seed, `staff:${out.length}`), agency: ai, name: `${given} ${family}`, email: `${given}.${family}.${out.length}@${a.domain}`.toLowerCase(), jobTitle, roles });
    }
  });
  return out;
}

/** Most entries have a few records and some very many (a mean of about 13); children's social care's the most. */
function assignRecordCounts(entries: EntryPlan[], ag: AgencyPlan[], rnd: Rng): void {
  const expo = (mean: number): number => Math.floor(-Math.log(1 - rnd()) * mean);
  for (const e of entries) {
    const u = rnd();
    let n = u < 0.85 ? 1 + expo(6) : u < 0.97 ? 5 + expo(28) : 40 + expo(110);
    if (ag[e.agency]!.type === 'childrens_social_care' && e.kind === 'child') n *= 2;
    e.records = Math.min(n, 2000);
  }
}
