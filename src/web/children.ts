import { childrenOf, refKey, type ChildSummary, type ChildrenOf } from '../people/child-summary.ts';
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

/** The same shape for rows whose service already named the child (null: a child the reader cannot see). */
export function aboutEach<T extends { child: ChildSummary | null }>(items: readonly T[] | undefined): (T & { about: ChildrenOf })[] | undefined {
  return items?.map((item) => ({ ...item, about: item.child ? { children: [item.child], hidden: 0 } : { children: [], hidden: 1 } }));
}
