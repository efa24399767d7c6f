import { audit } from '../audit/audit.ts';
import { REFERRAL_SOURCE_BY_AGENCY_TYPE } from '../statutory-returns/cin/codes.ts';
import { upnCheckLetter } from '../statutory-returns/cin/upn.ts';
import type { AgencyType } from '../partnership/schemas.ts';
import type { Story } from './story.ts';

/**
 * The census items of the demo's children in need (issue 20): what children's social care records
 * beside the process so that its Children in Need census is complete — ethnicity, disabilities,
 * UPN (or why there is none), its own child id, the referral's source, the primary need, the
 * factors found at assessment and why a case closed. All fictional. Written by the data officer
 * on the day before today, after every episode's steps, straight into the census columns of
 * migration 033 (the recording pages come with the census items' own services).
 */

interface ChildItems {
  laChildId: string;
  ethnicity: string;
  disabilities: string[];
  /** A fictional UPN with a correct check letter, or why there is none (UN1: not yet of school age). */
  upn?: string;
  upnUnknown?: string;
  primaryNeed: string;
  /** The factors found at each completed assessment. */
  factors?: string[];
}

/** By the story's name for the child. A child in need the table leaves out is given the defaults below. */
const ITEMS: Record<string, ChildItems> = {
  natasha: { laChildId: 'NS0000701', ethnicity: 'WIRI', disabilities: ['NONE'], upn: upnWithCheckLetter('931', '20120047'), primaryNeed: 'N1', factors: ['11A', '19A'] },
  // Maggie's baby before birth (case example 8): nothing about the child can be obtained yet.
  unbornBaby: { laChildId: 'NS0000802', ethnicity: 'NOBT', disabilities: ['NONE'], upnUnknown: 'UN1', primaryNeed: 'N1', factors: ['3B'] },
};
const DEFAULTS: Omit<ChildItems, 'laChildId'> = { ethnicity: 'NOBT', disabilities: ['NONE'], upnUnknown: 'UN5', primaryNeed: 'N4', factors: ['20'] };

/** A fictional UPN: the check letter (upn.ts), the authority's code, 8 digits of the school and pupil, a last digit. */
export function upnWithCheckLetter(laCode: string, serial: string): string {
  const body = `${laCode}${serial}0`;
  return `${upnCheckLetter(body)}${body}`;
}

export function censusItems(d: Story, children: Record<string, string>): void {
  d.act(d.day(1, '17:30'), 'cscDataOfficer', 'the data officer records the census items of the children in need', async (ctx, ref) => {
    await ctx.db.transaction(async (tx) => {
      for (const [storyKey, given] of Object.entries(children)) {
        const personId = ref.entry(storyKey);
        const items = ITEMS[storyKey] ?? { ...DEFAULTS, laChildId: `NS${given.slice(0, 3).toUpperCase()}${personId.slice(0, 4).toUpperCase()}` };
        await tx.query('UPDATE person SET ethnicity = $2, disabilities = $3, upn = $4, upn_unknown = $5, la_child_id = $6 WHERE id = $1',
          [personId, items.ethnicity, items.disabilities, items.upn ?? null, items.upn ? null : (items.upnUnknown ?? 'UN5'), items.laChildId]);
        const episodes = (await tx.query<{ id: string; closed: boolean; from_public: boolean | null; from_type: AgencyType | null }>(
          `SELECT e.id, e.closed_at IS NOT NULL AS closed, r.from_public, a.type AS from_type
             FROM episode e LEFT JOIN referral r ON r.episode_id = e.id LEFT JOIN agency a ON a.id = r.from_agency_id
            WHERE e.child_person_id = $1`, [personId])).rows;
        for (const e of episodes) {
          // Natasha's referral was the sexual health clinic's phone call, taken straight onto an episode.
          const source = e.from_type ? REFERRAL_SOURCE_BY_AGENCY_TYPE[e.from_type] : e.from_public ? '1A' : storyKey === 'natasha' ? '3D' : '10';
          // What was recorded as the work was done stays; the data officer fills in what was not.
          await tx.query('UPDATE episode SET referral_source = COALESCE(referral_source, $2), primary_need = COALESCE(primary_need, $3), closure_reason = COALESCE(closure_reason, CASE WHEN $4 THEN $5 ELSE NULL END) WHERE id = $1',
            [e.id, source, items.primaryNeed, e.closed, 'RC7']);
          const completed = (await tx.query<{ seq: number }>("SELECT seq FROM episode_action WHERE episode_id = $1 AND type = 'assessment_completed'", [e.id])).rows;
          for (const c of completed) {
            await tx.query('INSERT INTO assessment_census (episode_id, completed_seq, factors, recorded_by, recorded_at) VALUES ($1,$2,$3,$4,$5) ON CONFLICT DO NOTHING',
              [e.id, c.seq, items.factors ?? ['20'], ctx.actor.practitionerId, ctx.clock.now().toISOString()]);
          }
          await audit(ctx, tx, { action: 'episode.census-items', outcome: 'success', entityType: 'episode', entityId: e.id, personId });
        }
        await audit(ctx, tx, { action: 'person.census-items', outcome: 'success', entityType: 'person', entityId: personId, personId });
      }
    });
  });
}
