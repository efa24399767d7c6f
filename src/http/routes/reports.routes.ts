import type { Api } from '../route.ts';

/** Board reporting for a partnership. */
export function registerReportRoutes(api: Api): void {
  void api;
}
