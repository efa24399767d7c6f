import { childrenOf, refKey, type ChildrenOf } from '../people/child-summary.ts';
import type { ActorContext } from '../shared/context.ts';

/**
 * Adds to each worklist row the child it is about (issue 17: "every list names the child"), as far
 * as the reader may see that child. One lookup for the whole list.
 */
export async function withChildren<T>(ctx: ActorContext, items: readonly T[] | undefined, ref: (item: T) => { type: string; id: string }): Promise<(T & { about: ChildrenOf })[] | undefined> {
  if (!items) return undefined;
  const refs = items.map(ref);
  const found = await childrenOf(ctx, refs);
  return items.map((item, i) => ({ ...item, about: found.get(refKey(refs[i]!.type, refs[i]!.id)) ?? { children: [], hidden: 0 } }));
}
