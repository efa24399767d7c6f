import type { z } from 'zod';
import type { Role } from '../access/policy.ts';
import { loadActor } from '../auth/auth.ts';
import { addPractitionerAsSystem, createAgency, createPartnership } from '../partnership/partnership.ts';
import type { AgencyType } from '../partnership/schemas.ts';
import { addRelationship, createPerson, setLeadWorker } from '../people/people.ts';
import { NewPerson, NewRelationship, type RELATIONSHIP_TYPES } from '../people/schemas.ts';
import { addRecord, correctRecord, setRestriction } from '../records/records.ts';
import { Correction, NewRecord, type Source } from '../records/schemas.ts';
import type { Clock } from '../shared/clock.ts';
import type { ActorContext, Services } from '../shared/context.ts';

/**
 * The machinery behind the demo: agencies and staff are declared, each case example schedules
 * what its practitioners did and when, and the whole partnership is then replayed in time order
 * through the ordinary services. The services run on a story clock set to the moment each thing
 * was written down, so a record written on the day shows as contemporaneous, one written up days
 * later shows as back-dated, and the audit trail reads as the partnership's history.
 */

export interface DemoAccount {
  name: string;
  email: string;
  jobTitle: string;
  agencyName: string;
  roles: Role[];
}

export interface StaffMember {
  /** How the case examples refer to this practitioner, e.g. 'jacksTeacher'. */
  key: string;
  name: string;
  /** Who they are in the story, e.g. "Jack's class teacher (case example 3)". */
  jobTitle: string;
  roles: Role[];
}

export interface AgencyPlan {
  key: string;
  name: string;
  type: AgencyType;
  /** Demo e-mail addresses are firstname.lastname@<domain>; always an .example domain. */
  emailDomain: string;
  staff: StaffMember[];
  /** Children's social care: the DfE's three-digit local authority code, which the census carries as LEA. */
  localAuthorityCode?: string;
}

/** A person as the story knows them. Each agency that meets them opens its own entry from this. */
export type CastMember = z.input<typeof NewPerson>;

export type RelationshipKind = (typeof RELATIONSHIP_TYPES)[number];

/** [person, type, related]: the related person is <type> to the person, e.g. ['jack', 'parent', 'donna']. */
export type Link = readonly [person: string, type: RelationshipKind, related: string, validFrom?: string];

export interface Opening {
  /** The practitioner who adds the people to their agency's index. */
  by: string;
  at: Date;
  people: string[];
  relationships?: readonly Link[];
  /** The agency's lead worker for every person opened (what-to-do-if-worried 10.9). */
  lead?: string;
  /** What this agency holds differently from the cast list: an older address, the age a child gave. */
  differs?: Record<string, Partial<CastMember>>;
}

export type DemoRecordInput = Omit<z.input<typeof NewRecord>, 'occurredAt' | 'namedPractitionerIds'> & {
  /** Staff keys of the colleagues who may see a restricted record. */
  named?: string[];
};

export interface DemoRecord extends DemoRecordInput {
  /** A name for later steps (a correction, a restriction) to refer to this record by. */
  key?: string;
  by: string;
  about: string;
  /** When it happened. */
  at: Date;
  /** When it was written down; an hour after it happened unless given. */
  recorded?: Date;
}

type SourceInput = z.input<typeof Source>;

/** Who the information came from. Neighbours and anonymous callers are identity-protected (12.5). */
export const from = {
  practitioner: (): SourceInput => ({ type: 'practitioner' }),
  child: (description?: string): SourceInput => ({ type: 'child', ...(description ? { description } : {}) }),
  parent: (description: string): SourceInput => ({ type: 'parent_or_carer', description }),
  professional: (description: string): SourceInput => ({ type: 'other_professional', description }),
  public: (description: string): SourceInput => ({ type: 'member_of_public', description, identityProtected: true }),
  anonymous: (description: string): SourceInput => ({ type: 'anonymous', description, identityProtected: true }),
};

interface Step {
  at: Date;
  order: number;
  what: string;
  run: () => Promise<void>;
}

const DAY_MS = 86_400_000;
const isWeekend = (d: Date): boolean => d.getUTCDay() === 0 || d.getUTCDay() === 6;
const isoDate = (d: Date): string => d.toISOString().slice(0, 10);

/** A fictional NHS number: the 999 range is never issued to patients, and the check digit is valid. */
export function fictionalNhsNumber(serial: number): string {
  for (let n = serial; ; n++) {
    const digits = `999${String(n % 1_000_000).padStart(6, '0')}`;
    let sum = 0;
    for (let i = 0; i < 9; i++) sum += Number(digits[i]) * (10 - i);
    const check = (11 - (sum % 11)) % 11;
    if (check !== 10) return `${digits}${check}`;
  }
}

export class Story {
  readonly now: Date;
  private readonly agencies = new Map<string, AgencyPlan>();
  private readonly staffAgency = new Map<string, string>();
  private readonly cast = new Map<string, CastMember>();
  private readonly steps: Step[] = [];
  // Filled in as the story is replayed.
  private readonly contexts = new Map<string, ActorContext>();
  private readonly practitionerIds = new Map<string, string>();
  private readonly entries = new Map<string, string>();
  private readonly records = new Map<string, { id: string; version: number }>();

  constructor(now: Date) {
    this.now = now;
  }

  /** n working days before today (n ≥ 1), at hh:mm UTC: always in the past, and never a weekend. */
  day(n: number, hhmm = '10:00'): Date {
    if (!Number.isInteger(n) || n < 1) throw new Error(`demo: day(${n}) must be a whole number of working days ago, 1 or more`);
    const d = new Date(Date.UTC(this.now.getUTCFullYear(), this.now.getUTCMonth(), this.now.getUTCDate()));
    for (let left = n; left > 0;) {
      d.setTime(d.getTime() - DAY_MS);
      if (!isWeekend(d)) left -= 1;
    }
    const [h, m] = hhmm.split(':').map(Number) as [number, number];
    d.setUTCHours(h, m, 0, 0);
    return d;
  }

  /** A date as a practitioner writes it in a note: "Tuesday 17 February". */
  say(moment: Date): string {
    return moment.toLocaleDateString('en-GB', { weekday: 'long', day: 'numeric', month: 'long', timeZone: 'UTC' });
  }

  /** The date of a story moment, for dates of birth, expected dates of delivery and address dates. */
  dateOf(moment: Date): string {
    return isoDate(moment);
  }

  /** A date of birth that makes the person this old today. */
  born(years: number, months = 0, days = 0): string {
    const n = this.now;
    return isoDate(new Date(Date.UTC(n.getUTCFullYear() - years, n.getUTCMonth() - months, n.getUTCDate() - days)));
  }

  addAgency(plan: AgencyPlan): void {
    this.agencies.set(plan.key, plan);
    for (const s of plan.staff) {
      if (this.staffAgency.has(s.key)) throw new Error(`demo: staff key ${s.key} is used twice`);
      this.staffAgency.set(s.key, plan.key);
    }
  }

  addCast(members: Record<string, CastMember>): void {
    for (const [key, m] of Object.entries(members)) {
      if (this.cast.has(key)) throw new Error(`demo: cast key ${key} is used twice`);
      this.cast.set(key, m);
    }
  }

  /** An agency adds people it has met to its own index, with how they are related and its lead worker. */
  opens(o: Opening): void {
    const agencyKey = this.agencyOf(o.by);
    this.schedule(o.at, `${agencyKey} opens ${o.people.join(', ')}`, async () => {
      const ctx = this.ctx(o.by);
      for (const key of o.people) {
        const base = this.cast.get(key);
        if (!base) throw new Error(`demo: no cast member ${key}`);
        const entryKey = `${agencyKey}/${key}`;
        if (this.entries.has(entryKey)) throw new Error(`demo: ${entryKey} is opened twice`);
        const person = await createPerson(ctx, NewPerson.parse({ ...base, ...o.differs?.[key] }));
        this.entries.set(entryKey, person.id);
      }
      for (const [personKey, type, relatedKey, validFrom] of o.relationships ?? []) {
        await addRelationship(ctx, this.entry(agencyKey, personKey), NewRelationship.parse({
          relatedPersonId: this.entry(agencyKey, relatedKey),
          type,
          ...(validFrom ? { validFrom } : {}),
        }));
      }
      if (o.lead) {
        const practitionerId = this.practitioner(o.lead);
        for (const key of o.people) await setLeadWorker(ctx, this.entry(agencyKey, key), { practitionerId });
      }
    });
  }

  /** A change of lead worker in the agency of `by`. */
  lead(at: Date, by: string, personKey: string, worker: string): void {
    this.schedule(at, `${by} names ${worker} lead worker for ${personKey}`, async () => {
      await setLeadWorker(this.ctx(by), this.entry(this.agencyOf(by), personKey), { practitionerId: this.practitioner(worker) });
    });
  }

  record(r: DemoRecord): void {
    const { key, by, about, at, recorded, named, ...content } = r;
    const when = recorded ?? new Date(Math.min(at.getTime() + 60 * 60_000, this.now.getTime()));
    if (when < at) throw new Error(`demo: a record about ${about} is written before it happened`);
    this.schedule(when, `${by} records "${content.summary}"`, async () => {
      const input = NewRecord.parse({
        ...content,
        occurredAt: at.toISOString(),
        namedPractitionerIds: (named ?? []).map((n) => this.practitioner(n)),
      });
      const rec = await addRecord(this.ctx(by), this.entry(this.agencyOf(by), about), input);
      if (key) this.records.set(key, { id: rec.id, version: rec.version });
    });
  }

  /** A correction: a new version with its reason; the earlier version stays in the history. */
  correct(at: Date, by: string, recordKey: string, change: Omit<z.input<typeof Correction>, 'baseVersion'>): void {
    this.schedule(at, `${by} corrects ${recordKey}`, async () => {
      const rec = this.recordRef(recordKey);
      const next = await correctRecord(this.ctx(by), rec.id, Correction.parse({ ...change, baseVersion: rec.version }));
      rec.version = next.version;
    });
  }

  /** Restricts a record to named colleagues (and the author and the agency's safeguarding lead). */
  restrict(at: Date, by: string, recordKey: string, named: string[]): void {
    this.schedule(at, `${by} restricts ${recordKey}`, async () => {
      await setRestriction(this.ctx(by), this.recordRef(recordKey).id, { restricted: true, namedPractitionerIds: named.map((n) => this.practitioner(n)) });
    });
  }

  /**
   * Any other step through the ordinary services, as `by`: the child protection process, the
   * authority's contact numbers. `entry` finds the person in `by`'s agency, `practitioner` and
   * `agency` a staff member and their agency.
   */
  act(at: Date, by: string, what: string, run: (ctx: ActorContext, ref: { entry: (personKey: string) => string; practitioner: (staffKey: string) => string; agency: (staffKey: string) => string }) => Promise<void>): void {
    this.schedule(at, what, () => run(this.ctx(by), {
      entry: (k) => this.entry(this.agencyOf(by), k),
      practitioner: (k) => this.practitioner(k),
      agency: (k) => this.ctx(k).actor.agencyId,
    }));
  }

  /**
   * Replays the story: the partnership, its agencies and staff at `goLive`, then every step in
   * the order it happened. Returns the demo accounts.
   */
  async play(s: Services, partnershipName: string, goLive: Date, passwordHash: string): Promise<DemoAccount[]> {
    let current = goLive;
    const clock: Clock = { now: () => new Date(current) };
    const story: Services = { db: s.db, clock };
    const partnership = await createPartnership(story, { name: partnershipName, nation: 'england-and-wales' });
    const accounts: DemoAccount[] = [];
    for (const plan of this.agencies.values()) {
      const agency = await createAgency(story, { name: plan.name, type: plan.type, partnershipIds: [partnership.id], ...(plan.localAuthorityCode ? { localAuthorityCode: plan.localAuthorityCode } : {}) });
      for (const m of plan.staff) {
        const email = `${m.name.toLowerCase().replace(/^dr /, '').replace(/[^a-z ]/g, '').trim().replace(/\s+/g, '.')}@${plan.emailDomain}`;
        const p = await addPractitionerAsSystem(story, { agencyId: agency.id, name: m.name, email, jobTitle: m.jobTitle, roles: m.roles }, { passwordHash });
        const actor = await loadActor(s.db, p.id);
        if (!actor) throw new Error(`demo: ${m.key} could not be loaded`);
        this.practitionerIds.set(m.key, p.id);
        this.contexts.set(m.key, { db: s.db, clock, actor });
        accounts.push({ name: m.name, email, jobTitle: m.jobTitle, agencyName: plan.name, roles: m.roles });
      }
    }
    const ordered = [...this.steps].sort((a, b) => a.at.getTime() - b.at.getTime() || a.order - b.order);
    for (const step of ordered) {
      if (step.at < goLive) throw new Error(`demo: "${step.what}" happens before the partnership went live`);
      if (step.at > this.now) throw new Error(`demo: "${step.what}" would be written in the future`);
      current = step.at;
      await step.run();
    }
    return accounts;
  }

  private schedule(at: Date, what: string, run: () => Promise<void>): void {
    this.steps.push({ at, order: this.steps.length, what, run });
  }

  private agencyOf(staffKey: string): string {
    const a = this.staffAgency.get(staffKey);
    if (!a) throw new Error(`demo: no staff member ${staffKey}`);
    return a;
  }

  private ctx(staffKey: string): ActorContext {
    const c = this.contexts.get(staffKey);
    if (!c) throw new Error(`demo: no staff member ${staffKey}`);
    return c;
  }

  private practitioner(staffKey: string): string {
    const id = this.practitionerIds.get(staffKey);
    if (!id) throw new Error(`demo: no staff member ${staffKey}`);
    return id;
  }

  private entry(agencyKey: string, personKey: string): string {
    const id = this.entries.get(`${agencyKey}/${personKey}`);
    if (!id) throw new Error(`demo: ${agencyKey} has no entry for ${personKey} yet`);
    return id;
  }

  private recordRef(key: string): { id: string; version: number } {
    const r = this.records.get(key);
    if (!r) throw new Error(`demo: no record ${key} yet`);
    return r;
  }
}
