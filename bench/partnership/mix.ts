import { rngFor } from './names.ts';
import type { ManifestUser, PartnershipManifest } from './manifest.ts';

/**
 * The requests of the mixed workload, as a browser sends them (the pages, not the API):
 *
 * - person (40 %):     GET  /people/:id                 — an entry of the user's own agency
 * - chronology (25 %): GET  /people/:id/chronology      — an own entry linked to others that shared records
 * - search (15 %):     POST /people/find                — form fields name, nhsNumber, dob-day, dob-month, dob-year
 * - record (20 %):     POST /people/:id/records/new     — the "record a concern" form
 * - episode (outside the mix): GET /episodes/:id         — an episode with many meetings
 *
 * Every request carries the cookie `jigsaw_session=<sessionToken>` and `Accept: text/html`.
 * A POST also needs a CSRF token: GET the form page first (`csrfPage`: /people/find, or
 * /people/:id/records/new) with the session cookie; the answer sets a cookie `jigsaw_csrf` (the
 * secret) and holds the token in `<input type="hidden" name="_csrf" value="…">`. Send both: the
 * cookie `jigsaw_csrf`, and the token as the form field `_csrf` (body
 * application/x-www-form-urlencoded). The token is bound to the session (not to the page or the
 * person) and does not expire, so one GET per user at the start is enough for all of that user's
 * POSTs while the server keeps its CSRF key (today the key lives in the process: a restart, or
 * another worker, refuses tokens it did not make — issue 21 item 3 moves it to the database).
 * A search answers 200 with the results; a record answers 303 to the chronology.
 */

export type MixLabel = 'person' | 'chronology' | 'search' | 'record';
export const MIX_WEIGHTS: Readonly<Record<MixLabel, number>> = { person: 0.4, chronology: 0.25, search: 0.15, record: 0.2 };

export interface RequestTemplate {
  label: MixLabel | 'episode';
  method: 'GET' | 'POST';
  path: string;
  /** The form fields of a POST, without `_csrf` (the driver adds the token it read from csrfPage). */
  formFields?: Record<string, string>;
  /** For a POST: the page whose GET gives the CSRF token and cookie. */
  csrfPage?: string;
  /** Index into manifest.users: whose session sends it. */
  userIndex: number;
  /** A name the answer must contain (the person the page is about); a record's 303 has none. */
  expectName?: string;
}

export const SESSION_COOKIE = 'jigsaw_session';
export const CSRF_COOKIE = 'jigsaw_csrf';
export const CSRF_FIELD = '_csrf';

const dateFields = (prefix: string, iso: string): Record<string, string> => ({
  [`${prefix}-day`]: String(Number(iso.slice(8, 10))), [`${prefix}-month`]: String(Number(iso.slice(5, 7))), [`${prefix}-year`]: iso.slice(0, 4),
});

/** The "record a concern" form as a practitioner fills it in: a concern about neglect, seen on `day` at 10:30. */
export function recordForm(day: string, n: number): Record<string, string> {
  return {
    kind: 'concern', ...dateFields('occurred', day), occurredTime: '10:30', categories: 'neglect', factOrOpinion: 'fact', reportedOrWitnessed: 'witnessed',
    sourceType: 'practitioner', confidential: 'no', summary: `Came in hungry again and said there was no tea last night (benchmark ${n})`,
    details: 'Given breakfast at school. Spoke with the designated safeguarding lead the same morning.',
  };
}

// Yesterday: 10:30 today is still in the future early in the morning, and the form refuses a future time.
const yesterday = (): string => new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);

/** Every request each label can make for one user (empty when the user has nothing for it). */
export function templatesFor(m: PartnershipManifest, userIndex: number, day = yesterday()): Record<MixLabel, RequestTemplate[]> {
  const u: ManifestUser = m.users[userIndex]!;
  return {
    person: u.people.map((p) => ({ label: 'person', method: 'GET', path: `/people/${p.id}`, userIndex, expectName: p.name })),
    chronology: u.chronologyChildren.map((p) => ({ label: 'chronology', method: 'GET', path: `/people/${p.id}/chronology`, userIndex, expectName: p.name })),
    search: u.searches.map((s) => ({
      label: 'search', method: 'POST', path: '/people/find', csrfPage: '/people/find', userIndex, expectName: s.name,
      formFields: { name: s.name, nhsNumber: '', 'dob-day': '', 'dob-month': '', 'dob-year': '' },
    })),
    record: u.recordTargets.map((p, i) => ({
      label: 'record', method: 'POST', path: `/people/${p.id}/records/new`, csrfPage: `/people/${p.id}/records/new`, userIndex, formFields: recordForm(day, i),
    })),
  };
}

/** The episode page for the episodes with the most meetings, each as a user of the episode's agency. */
export function episodeTemplates(m: PartnershipManifest): RequestTemplate[] {
  return m.episodes.map((e) => ({ label: 'episode', method: 'GET', path: `/episodes/${e.id}`, userIndex: e.userIndex, expectName: e.childName }));
}

/**
 * An endless, reproducible sequence of the mix's requests: a label by its weight, then the next
 * user (round robin) who has a request of that kind, then one of theirs at random.
 */
export function* mixRequests(m: PartnershipManifest, seed = 1, day?: string): Generator<RequestTemplate> {
  const rnd = rngFor(seed, 99);
  const all = m.users.map((_, i) => templatesFor(m, i, day));
  const labels = Object.keys(MIX_WEIGHTS) as MixLabel[];
  const cursor: Record<MixLabel, number> = { person: 0, chronology: 0, search: 0, record: 0 };
  if (!labels.some((l) => all.some((t) => t[l].length))) return;
  for (;;) {
    let x = rnd();
    const label = labels.find((l) => (x -= MIX_WEIGHTS[l]) < 0) ?? 'person';
    for (let tried = 0; tried < all.length; tried++) {
      const i = cursor[label]++ % all.length;
      const list = all[i]![label];
      if (list.length) {
        yield list[Math.floor(rnd() * list.length)]!;
        break;
      }
    }
  }
}

/** A form body as a browser sends it, with the CSRF token. */
export const formBody = (fields: Record<string, string>, csrfToken: string): string => new URLSearchParams({ [CSRF_FIELD]: csrfToken, ...fields }).toString();
