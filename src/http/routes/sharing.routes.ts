import type { Api } from '../route.ts';

/** Consent register, information-sharing decisions and advice. */
export function registerSharingRoutes(api: Api): void {
  void api;
}
