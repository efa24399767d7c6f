import { childrenOf, refKey } from '../people/child-summary.ts';
import type { PreviousProtection } from '../process/monitoring.schemas.ts';
import { THEMSELF_CHILD } from '../process/previous-history.ts';
import type { ActorContext } from '../shared/context.ts';
import { childLabel, words } from './view.ts';

/** One earlier child protection plan as the pages show it: whose, when, which authority, and how to ask. */
export interface EarlierPlanRow {
  whose: string;
  whoseHref: string | null;
  through: string | null;
  planStartedAt: string;
  planEndedAt: string | null;
  category: string;
  authority: string;
  episodeHref: string;
}

/**
 * Names the people of the earlier plans found (issue 17, item 5) for the referral, episode and
 * person pages. The plans are in the reader's own authority, so the earlier episode is theirs to
 * open; each name is looked up as the reader may see it (a child out of reach is not named).
 */
export async function earlierPlanRows(ctx: ActorContext, found: readonly PreviousProtection[] | undefined, authority: string): Promise<EarlierPlanRow[] | undefined> {
  if (!found) return undefined;
  const refs = [...new Set(found.flatMap((f) => [f.adultPersonId, f.earlierChildPersonId]))].map((id) => ({ type: 'person', id }));
  const named = await childrenOf(ctx, refs);
  const summary = (id: string): { text: string | null; name: string | null } => {
    const c = named.get(refKey('person', id))?.children[0];
    return { text: c ? childLabel(c) : null, name: c?.name ?? null };
  };
  return found.map((f) => {
    const own = f.connection === THEMSELF_CHILD;
    const child = summary(f.earlierChildPersonId);
    const adult = summary(f.adultPersonId);
    return {
      whose: own ? `This child (${child.text ?? 'their earlier entry'})` : (child.text ?? 'A child you cannot see'),
      whoseHref: child.text ? `/people/${f.earlierChildPersonId}` : null,
      through: own ? null : `${adult.name ?? 'Someone you cannot see'}, ${f.connection} of this child, is ${f.relationshipToEarlierChild.replace(/_/g, ' ')} of that child`,
      planStartedAt: f.planStartedAt,
      planEndedAt: f.planEndedAt,
      category: f.planCategory ? words(f.planCategory) : 'Category not recorded',
      authority,
      episodeHref: `/episodes/${f.episodeId}`,
    };
  });
}
