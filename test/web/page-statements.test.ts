import { describe, expect, it } from 'vitest';
import { Browser, counting, pageWorld, recordForm, SMALL_WORLD, type PageWorld, type PageWorldOptions } from './page-world.ts';
import { usePageApp } from './page-app.ts';

/**
 * Issue 21, item 2: a page runs the same number of statements however much there is to show. Each
 * test opens a page over a small world and over a larger one (more records, agencies, meetings or
 * relatives) and compares the statements each request ran: a read per row (an N+1) breaks it.
 */
/**
 * The most statements a request for the page may run over the larger world (issue 21): what it ran
 * once each fact was read once per page and its reads were audited in one append. A repeated read
 * or a per-service append coming back breaks it (and the counts of the repeated reads below say which).
 * The person page: 28 until the matcher read the person in one statement (four before) and its
 * not-same decisions and term frequencies with its candidates; 22 until it counted the suggestions
 * kept when entries are written instead of running the matcher (two statements) on every view; 21
 * until the flags section stopped reading the child's flag access history, which it does not show.
 */
const PERSON_PAGE_CEILING = 20;
const EPISODE_PAGE_CEILING = 18;

describe('pages run as many statements for much data as for little', () => {
  const { t, clock, start } = usePageApp();

  /**
   * Statements run by the second of two identical requests (the first warms what a process keeps),
   * over a small world of the same shape (base: another agency linked, a relative) and a larger one.
   */
  async function statements(base: Partial<PageWorldOptions>, more: Partial<PageWorldOptions>, request: (b: Browser, w: PageWorld) => Promise<{ status: number; body: string }>): Promise<{ small: number; large: number; smallBody: string; largeBody: string; run: readonly string[] }> {
    const c = counting(t.db());
    const app = await start(c.db);
    const measure = async (o: PageWorldOptions): Promise<{ n: number; body: string; run: readonly string[] }> => {
      const w = await pageWorld(t.db(), clock, o);
      const b = new Browser(app);
      await b.signIn(w.worker);
      await request(b, w);
      c.reset();
      const res = await request(b, w);
      expect(res.status, res.body.slice(0, 500)).toBeLessThan(400);
      return { n: c.count(), body: res.body, run: c.statements() };
    };
    const small = await measure({ ...SMALL_WORLD, ...base });
    const large = await measure({ ...SMALL_WORLD, ...base, ...more });
    return { small: small.n, large: large.n, smallBody: small.body, largeBody: large.body, run: large.run };
  }

  /** How many of a request's statements read this (whitespace aside). */
  const times = (run: readonly string[], sql: RegExp): number => run.filter((x) => sql.test(x.replace(/\s+/g, ' '))).length;
  const PERSON_FACTS = /^SELECT id, agency_id, kind, date_of_birth FROM person WHERE id = \$1$/;
  const LINK_WALK = /^WITH RECURSIVE (linked|c)\(/;
  // A page's reads go to the audit trail in one append at the end (src/audit/read-audit.ts).
  const ONE_BY_ONE_APPEND = /jigsaw_append_audit\(/;
  const BATCH_APPEND = /jigsaw_append_audit_many\(/;
  const EPISODE_FACTS = /^SELECT id, agency_id, child_person_id, opened_at, closed_at FROM episode WHERE id = \$1$/;
  // getEpisode's read of the episode with its actions (src/process/episodes.ts), which the page's other services take from the request's reads.
  const EPISODE_WITH_ACTIONS = /^SELECT e\.\*, \(SELECT json_agg\(.* FROM episode_action a WHERE a\.episode_id = e\.id\) AS actions, .* AS process_settings FROM episode e WHERE e\.id = \$1$/;
  const EPISODE_ACTIONS = /FROM episode_action WHERE episode_id = \$1 ORDER BY seq$/;
  // The meetings' parts: with the meetings, not one statement per part.
  const MEETING_PART = /^SELECT ((s|i)\.)?meeting_id|^SELECT a\.\*, p\.name AS owner_name FROM meeting_action|^SELECT cur\.id AS for_meeting_id/;
  const AGENCY_TYPE = /^SELECT type FROM agency WHERE id = \$1$/;
  const PROCESS_SETTINGS = /^SELECT p\.nation, p\.assessment_model FROM partnership/;

  it('the episode page: 2 meetings or 10, and another child’s meetings left out', async () => {
    const r = await statements({ agencies: 3 }, { meetings: 10 }, (b, w) => b.get(`/episodes/${w.episodeId}`));
    expect(r.large).toBe(r.small);
    // Issue 21: the episode, the child and the partnership's settings are read once for the page,
    // not by each service it calls (49 statements before); every service's audit entry stays.
    expect(r.large).toBeLessThanOrEqual(EPISODE_PAGE_CEILING);
    expect(times(r.run, PERSON_FACTS)).toBe(1);
    // The episode once, with its actions (34 statements before: the episode twice, its actions apart, the
    // child's whole entry in five, each part of the meetings in its own).
    expect(times(r.run, EPISODE_WITH_ACTIONS)).toBe(1);
    expect(times(r.run, EPISODE_FACTS)).toBe(0);
    expect(times(r.run, EPISODE_ACTIONS)).toBe(0);
    expect(times(r.run, MEETING_PART)).toBe(0);
    // The partnership's settings with the episode, for the page's other services too.
    expect(times(r.run, PROCESS_SETTINGS)).toBe(0);
    expect(times(r.run, AGENCY_TYPE)).toBe(0);
    expect(times(r.run, ONE_BY_ONE_APPEND)).toBe(0);
    expect(times(r.run, BATCH_APPEND)).toBe(1);
    // The child's own links, and an adult's around them for the earlier plans: each walked once.
    expect(times(r.run, LINK_WALK)).toBeLessThanOrEqual(2);
    // Every one of the episode's own meetings is shown, none of the other child's.
    for (let i = 1; i <= 10; i++) expect(r.largeBody).toContain(`Core group ${i}<`);
    expect(r.largeBody).not.toContain('Strategy discussion');
  });

  it('the person page: 1 record or 200, 1 brother or sister or 4, 2 agencies or 4', async () => {
    const r = await statements({ agencies: 2, siblings: 1 }, { records: 200, siblings: 4, agencies: 4 }, (b, w) => b.get(`/people/${w.childId}`));
    expect(r.large).toBe(r.small);
    // Issue 21: the person and their same-person links are read once for the page, not by each of
    // its dozen services (67 statements before: the person 8 times, the links 4 and 2 more; then 41,
    // before the person's lists, the agencies involved, the referrals and the registers were each
    // read in one statement and the relatives' names and the worklists' summary with the person).
    expect(r.large).toBeLessThanOrEqual(PERSON_PAGE_CEILING);
    expect(times(r.run, PERSON_FACTS)).toBe(1);
    expect(times(r.run, AGENCY_TYPE)).toBe(0);
    // Its twelve services' "viewed" entries in one append (twelve appends before), the matching's disclosures in their own.
    expect(times(r.run, ONE_BY_ONE_APPEND)).toBe(0);
    expect(times(r.run, BATCH_APPEND)).toBeLessThanOrEqual(2);
    // The child's links once for the page (the agencies involved follow the same walk) and an adult's
    // for the earlier plans (6 before, then 3).
    expect(times(r.run, LINK_WALK)).toBeLessThanOrEqual(2);
    // The flags section shows the child's flags, not who looked them up (up to a thousand rows).
    expect(times(r.run, /FROM flag f /)).toBe(1);
    expect(times(r.run, /FROM flag_access/)).toBe(0);
    // The relatives are named (read through the policy, not left as "someone you cannot see").
    for (let i = 1; i <= 4; i++) expect(r.largeBody).toContain(`Sibling${i} Pageworld`);
    expect(r.largeBody).not.toContain('Someone you cannot see');
  });

  it('the chronology page: 2 agencies or 8, 1 record or 200', async () => {
    const r = await statements({ agencies: 2 }, { agencies: 8, records: 200 }, (b, w) => b.get(`/people/${w.childId}/chronology`));
    expect(r.large).toBe(r.small);
    // Its own 200 and two shared by each of the seven others.
    expect(r.largeBody).toContain('214 entries');
  });

  it('writing a record through the page: 1 record or 200 already', async () => {
    let n = 0;
    const r = await statements({}, { records: 200 }, async (b, w) => {
      await b.get(`/people/${w.childId}/records/new`);
      const posted = await b.post(`/people/${w.childId}/records/new`, recordForm(clock, `Written through the page ${++n}`));
      expect(posted.location).toMatch(/chronology\?done=record-added/);
      return posted;
    });
    expect(r.large).toBe(r.small);
    // The agency's lead-alert setting is read by the form (it says whether the lead will hear of it)
    // and, for the write, with the record in its one statement, not after it (the post's 3 → 2).
    expect(times(r.run, /^SELECT kinds, categories, updated_at FROM lead_alert_setting/)).toBe(1);
  });
});
