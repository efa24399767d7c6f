import type { Api } from '../route.ts';

/** Referrals to children's social care or the police, and the receiving authority's queue. */
export function registerReferralRoutes(api: Api): void {
  void api;
}
