/**
 * Who may do what: one pure function per kind of thing, deciding from facts alone.
 * The data-access layer asks it about every row it returns or changes; route handlers never do.
 * Deny is the default: every branch that allows says why, and anything unmatched is refused.
 */

export const ROLES = [
  'practitioner',
  'safeguarding_lead',
  'manager',
  'social_worker',
  'caldicott_guardian',
  'administrator',
  'auditor',
  // Sets up the partnership itself: its agencies and their codes, the health settings' FHIR tokens (issue 19).
  'partnership_administrator',
  // The council's data team: prepares the statutory returns (the Children in Need census, Ofsted's
  // Annex A) and corrects the census items (codes and identifiers), not the casework (issue 20).
  'data_officer',
] as const;
export type Role = (typeof ROLES)[number];

/** Roles that prepare the statutory returns and correct the census items they carry (issue 20). */
export const RETURNS_ROLES: readonly Role[] = ['data_officer', 'manager'];

/** Roles that do casework: record, read and correct what their agency knows. */
export const CASEWORK_ROLES: readonly Role[] = ['practitioner', 'safeguarding_lead', 'manager', 'social_worker', 'caldicott_guardian'];

/**
 * Permission for a recipient to see a record that another agency holds. Created only by a
 * recorded information-sharing decision (see the sharing issue); here it is just an input.
 */
export interface ShareGrant {
  recordId: string;
  /** The person the record is about: a live grant also lets the recipient see who that is. */
  personId?: string | undefined;
  /** The whole receiving agency … */
  granteeAgencyId?: string | undefined;
  /** … or one named practitioner. */
  granteePractitionerId?: string | undefined;
  validFrom: string;
  validUntil?: string | undefined;
  revokedAt?: string | undefined;
}

/** Who is asking: built once per request from the signed-in practitioner. */
export interface Actor {
  practitionerId: string;
  agencyId: string;
  roles: readonly Role[];
  grants: readonly ShareGrant[];
}

export interface RecordFacts {
  id: string;
  agencyId: string;
  restricted: boolean;
  createdBy: string;
  namedPractitionerIds: readonly string[];
}

export interface PersonFacts {
  id: string;
  agencyId: string;
}

export type RecordAction = 'read' | 'correct' | 'restrict' | 'read-access-history';
export type PersonAction = 'read' | 'update' | 'add-record';

export interface Decision {
  allowed: boolean;
  reason: string;
}

const allow = (reason: string): Decision => ({ allowed: true, reason });
const deny = (reason: string): Decision => ({ allowed: false, reason });

const hasAny = (actor: Actor, roles: readonly Role[]): boolean => actor.roles.some((r) => roles.includes(r));
const doesCasework = (actor: Actor): boolean => hasAny(actor, CASEWORK_ROLES);

const isLive = (g: ShareGrant, t: number): boolean =>
  new Date(g.validFrom).getTime() <= t &&
  (g.validUntil === undefined || new Date(g.validUntil).getTime() > t) &&
  (g.revokedAt === undefined || new Date(g.revokedAt).getTime() > t);

/** Live grants covering a person's records for this actor: they may see who the person is. */
export function liveGrantsForPerson(actor: Actor, personId: string, now: Date): ShareGrant[] {
  const t = now.getTime();
  return actor.grants.filter((g) => g.personId === personId && namesActor(actor, g) && isLive(g, t));
}

const namesActor = (actor: Actor, g: ShareGrant): boolean =>
  g.granteePractitionerId === actor.practitionerId || (g.granteePractitionerId === undefined && g.granteeAgencyId === actor.agencyId);

/** A live grant names this record and this actor (or their agency), has started, and has neither expired nor been revoked. */
export function liveGrantFor(actor: Actor, recordId: string, now: Date): ShareGrant | undefined {
  const t = now.getTime();
  return actor.grants.find((g) => g.recordId === recordId && namesActor(actor, g) && isLive(g, t));
}

function withinOwnAgencyReach(actor: Actor, record: RecordFacts): Decision {
  if (record.agencyId !== actor.agencyId) return deny('record belongs to another agency');
  if (!doesCasework(actor)) return deny('role does not include casework');
  if (!record.restricted) return allow('own agency record');
  if (record.createdBy === actor.practitionerId) return allow('author of a restricted record');
  if (record.namedPractitionerIds.includes(actor.practitionerId)) return allow('named on a restricted record');
  if (actor.roles.includes('safeguarding_lead')) return allow('safeguarding lead of the agency');
  return deny('restricted record');
}

export function decideRecord(actor: Actor, action: RecordAction, record: RecordFacts, now: Date): Decision {
  switch (action) {
    case 'read': {
      const own = withinOwnAgencyReach(actor, record);
      if (own.allowed) return own;
      if (record.agencyId !== actor.agencyId && doesCasework(actor) && liveGrantFor(actor, record.id, now)) {
        return allow('shared by a recorded decision');
      }
      return own;
    }
    case 'correct': {
      // Only the holding agency corrects its own record; a recipient of a share never can.
      const own = withinOwnAgencyReach(actor, record);
      if (!own.allowed) return own;
      if (record.createdBy === actor.practitionerId || hasAny(actor, ['safeguarding_lead', 'manager'])) return allow('author or agency lead');
      return deny('only the author, a manager or the safeguarding lead may correct a record');
    }
    case 'restrict': {
      const own = withinOwnAgencyReach(actor, record);
      if (!own.allowed) return own;
      if (record.createdBy === actor.practitionerId || hasAny(actor, ['safeguarding_lead', 'manager'])) return allow('author or agency lead');
      return deny('only the author, a manager or the safeguarding lead may change who can see a record');
    }
    case 'read-access-history': {
      // The record's own agency sees who viewed it: those who may read it, and its auditors.
      if (record.agencyId === actor.agencyId && actor.roles.includes('auditor')) return allow('auditor of the agency');
      const own = withinOwnAgencyReach(actor, record);
      return own.allowed ? allow('reader in the holding agency') : own;
    }
    default: {
      const never: never = action;
      return deny(`unknown action ${String(never)}`);
    }
  }
}

export function decidePerson(actor: Actor, action: PersonAction, person: PersonFacts, now: Date = new Date()): Decision {
  switch (action) {
    case 'read':
      if (person.agencyId === actor.agencyId) return doesCasework(actor) ? allow('own agency index') : deny('role does not include casework');
      if (doesCasework(actor) && liveGrantsForPerson(actor, person.id, now).length > 0) return allow('records about them shared by a recorded decision');
      return deny('person is in another agency\'s index');
    case 'update':
    case 'add-record':
      if (person.agencyId !== actor.agencyId) return deny('person is in another agency\'s index');
      if (!doesCasework(actor)) return deny('role does not include casework');
      return allow('own agency index');
    default: {
      const never: never = action;
      return deny(`unknown action ${String(never)}`);
    }
  }
}

/**
 * The census items of a child in the agency's own index (issue 20): ethnicity, disability, UPN,
 * the authority's child id, date of death, and the episode's referral source, primary need and
 * reason for closure. Its casework staff record them as they work; its data team (RETURNS_ROLES)
 * corrects them without reading the casework. The caller checks the agency is children's social care.
 */
export function decideCensusItems(actor: Actor, person: PersonFacts): Decision {
  if (person.agencyId !== actor.agencyId) return deny('person is in another agency\'s index');
  if (doesCasework(actor)) return allow('own agency index');
  return hasAny(actor, RETURNS_ROLES) ? allow('corrects the census items') : deny('role neither does casework nor prepares the returns');
}

export type AgencyAction = 'create-person' | 'manage-practitioners' | 'manage-agency' | 'read-audit' | 'prepare-returns';

export function decideAgency(actor: Actor, action: AgencyAction, agencyId: string): Decision {
  if (agencyId !== actor.agencyId) return deny('another agency');
  switch (action) {
    case 'create-person':
      return doesCasework(actor) ? allow('casework role') : deny('role does not include casework');
    case 'manage-practitioners':
      return actor.roles.includes('administrator') ? allow('administrator') : deny('only an administrator manages practitioners');
    case 'manage-agency':
      return actor.roles.includes('administrator') ? allow('administrator') : deny('only an administrator changes the agency\'s settings');
    case 'read-audit':
      // Auditors alone: the trail names the children whose records were looked at, and administrators do no casework (issue 16).
      return actor.roles.includes('auditor') ? allow('auditor') : deny('only an auditor reads the agency audit trail');
    case 'prepare-returns':
      // The census and Annex A list every child the agency worked with: its data team and its managers.
      return hasAny(actor, RETURNS_ROLES) ? allow('prepares the statutory returns') : deny('only the data team or a manager prepares the statutory returns');
    default: {
      const never: never = action;
      return deny(`unknown action ${String(never)}`);
    }
  }
}

/** What deciding about a partnership needs: the agencies that belong to it. */
export interface PartnershipFacts {
  agencyIds: readonly string[];
}

export type PartnershipAction = 'read' | 'manage';

/**
 * A partnership administrator sets up the partnerships her own agency belongs to (renames them,
 * adds and edits their agencies); a partnership her agency is not in is none of hers, and answered
 * as one that does not exist. Nobody else reads or changes a partnership here.
 */
export function decidePartnership(actor: Actor, action: PartnershipAction, p: PartnershipFacts): Decision {
  if (!p.agencyIds.includes(actor.agencyId)) return deny('a partnership the agency does not belong to');
  switch (action) {
    case 'read':
    case 'manage':
      return actor.roles.includes('partnership_administrator') ? allow('partnership administrator of a member agency') : deny('only a partnership administrator sets up the partnership');
    default: {
      const never: never = action;
      return deny(`unknown action ${String(never)}`);
    }
  }
}

export type SetupAction = 'create-partnership' | 'manage-fhir-tokens';

/**
 * Setting up beyond one partnership: a new partnership (her agency its first member), and the
 * health settings' FHIR tokens, which are deployment-wide (a setting looks up every authority's flags).
 */
export function decideSetup(actor: Actor, action: SetupAction): Decision {
  switch (action) {
    case 'create-partnership':
    case 'manage-fhir-tokens':
      return actor.roles.includes('partnership_administrator') ? allow('partnership administrator') : deny('only a partnership administrator');
    default: {
      const never: never = action;
      return deny(`unknown action ${String(never)}`);
    }
  }
}

/** What the consent register needs to know about one consent: which agency recorded it. */
export interface ConsentFacts {
  agencyId: string;
}

export type ConsentAction = 'read' | 'withdraw';

/**
 * A consent register is the recording agency's own casework: only its casework staff read or
 * withdraw its consents. A share grant does not reach the register — a recipient learns the basis
 * and limits of a share from the share itself, and can never end another agency's shares.
 */
export function decideConsent(actor: Actor, action: ConsentAction, consent: ConsentFacts): Decision {
  switch (action) {
    case 'read':
    case 'withdraw':
      if (consent.agencyId !== actor.agencyId) return deny('consent recorded by another agency');
      return doesCasework(actor) ? allow('own agency consent register') : deny('role does not include casework');
    default: {
      const never: never = action;
      return deny(`unknown action ${String(never)}`);
    }
  }
}

/** What the matcher knows about a possible same-person entry and the agency that holds it. */
export interface MatchFacts {
  /** The type of the asking practitioner's own agency (`childrens_social_care` gives its caseworkers a basis). */
  actorAgencyType: string;
  candidateAgencyId: string;
  /** Never named to another agency (a sensitive type, or marked so by the partnership). */
  candidateAgencySensitive: boolean;
}

/**
 * How a possible same-person entry may be shown: `own` (the caller's agency: its id, as any entry
 * of theirs), `named` (another agency, named, through an opaque offer), `anonymous` ("another
 * service holds a possible match", through an opaque offer), or `none` (not shown, and no hint).
 */
export type MatchDisclosure = 'own' | 'named' | 'anonymous' | 'none';

/**
 * Who has a basis to learn that another agency knows a child: children's social care's
 * caseworkers (its statutory duty to make enquiries, Children Act 1989 s47), and every agency's
 * safeguarding lead and Caldicott guardian (the people the partnership's protocol sends
 * practitioners to when they think another agency is involved). A teacher, a health visitor or a
 * manager elsewhere asks their safeguarding lead instead.
 */
export function hasMatchingBasis(actor: Actor, actorAgencyType: string): boolean {
  if (!doesCasework(actor)) return false;
  if (hasAny(actor, ['safeguarding_lead', 'caldicott_guardian'])) return true;
  return actorAgencyType === 'childrens_social_care';
}

export function decideMatchDisclosure(actor: Actor, facts: MatchFacts): { disclosure: MatchDisclosure; reason: string } {
  if (!doesCasework(actor)) return { disclosure: 'none', reason: 'role does not include casework' };
  if (facts.candidateAgencyId === actor.agencyId) return { disclosure: 'own', reason: 'own agency index' };
  if (!hasMatchingBasis(actor, facts.actorAgencyType)) return { disclosure: 'none', reason: 'no basis to learn which agencies know a child' };
  if (facts.candidateAgencySensitive) return { disclosure: 'anonymous', reason: 'a sensitive service is never named to another agency' };
  return { disclosure: 'named', reason: 'safeguarding lead, Caldicott guardian or children\'s social care' };
}

/**
 * Linking another agency's entry without its agreement: only children's social care, on a
 * recorded lawful basis, and never to a sensitive service (which decides for itself whether to
 * become visible, by accepting a link request).
 */
export function decideLawfulLink(actor: Actor, facts: MatchFacts): Decision {
  if (facts.candidateAgencyId === actor.agencyId) return deny('own agency: no basis needed');
  if (!doesCasework(actor) || facts.actorAgencyType !== 'childrens_social_care') return deny('only children\'s social care links on a lawful basis');
  if (facts.candidateAgencySensitive) return deny('a sensitive service agrees to a link itself');
  return allow('children\'s social care, recorded lawful basis');
}

/** Accepting or declining a link request made to the caller's agency: the roles with a basis there. */
export function decideLinkRequest(actor: Actor, actorAgencyType: string, requestedAgencyId: string): Decision {
  if (requestedAgencyId !== actor.agencyId) return deny('request made to another agency');
  return hasMatchingBasis(actor, actorAgencyType) ? allow('safeguarding lead, Caldicott guardian or children\'s social care of the agency asked') : deny('no basis to answer link requests');
}

/**
 * Lists, queues and summaries an agency keeps about the people it serves. Each list names its
 * kind here, and this function alone decides who sees it, so a new list is refused to everyone
 * until a branch below says otherwise (the `never` check makes the compiler ask).
 */
export type AgencyView =
  // Casework: every item names or points at a child or family (ids, titles, free text).
  | 'people' | 'due-steps' | 'episodes' | 'meetings' | 'meeting-actions' | 'overdue-alerts' | 'referrals'
  | 'information-requests' | 'notifications' | 'advice-requests' | 'urgent-shares' | 'monitoring'
  | 'closure-notices' | 'seen-notifications'
  // A practitioner's own caseload ("My children"): the children they work with, by name.
  | 'caseload'
  // Figures: counts by step, team or worker, never a child.
  | 'due-summary' | 'timescales';

/**
 * Administrators manage the agency's staff and auditors check how records were used: neither does
 * casework, so neither sees a casework list — not even one filtered to "nothing of yours", since a
 * list of due steps or meetings names children and families whoever it is "for". Auditors keep the
 * audit trail and each record's access history (decideAgency 'read-audit', decideRecord
 * 'read-access-history') and the authority's figures, which count steps but name no child.
 */
export function decideView(actor: Actor, view: AgencyView): Decision {
  switch (view) {
    case 'overdue-alerts':
      // Each alert names the episode and the child; managers act on them, nobody else lists them.
      return actor.roles.includes('manager') ? allow('manager of the agency') : deny('only managers list overdue alerts');
    case 'due-summary':
    case 'timescales':
      return hasAny(actor, ['manager', 'auditor']) ? allow('oversight figures: counts only') : deny('only managers and auditors see the oversight figures');
    case 'people':
    case 'due-steps':
    case 'episodes':
    case 'meetings':
    case 'meeting-actions':
    case 'referrals':
    case 'information-requests':
    case 'notifications':
    case 'advice-requests':
    case 'urgent-shares':
    case 'monitoring':
    case 'closure-notices':
    case 'seen-notifications':
    case 'caseload':
      return doesCasework(actor) ? allow('casework role') : deny('role does not include casework');
    default: {
      const never: never = view;
      return deny(`unknown view ${String(never)}`);
    }
  }
}

/** Roles that must always use a second factor (src/auth/two-factor): they reach everyone's accounts or the audit trail. */
export const TWO_FACTOR_ROLES: readonly Role[] = ['administrator', 'auditor', 'partnership_administrator'];

/**
 * A partnership's own settings (e.g. whether everyone must use two-factor authentication): its
 * partnership administrators decide, those whose agency belongs to it (`memberOf`).
 */
export function decidePartnershipSettings(actor: Actor, memberOf: boolean): Decision {
  if (!memberOf) return deny('another partnership');
  return actor.roles.includes('partnership_administrator') ? allow('partnership administrator') : deny('only a partnership administrator changes the partnership\'s settings');
}
