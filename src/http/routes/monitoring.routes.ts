import type { Api } from '../route.ts';

/** Monitoring arrangements, no-access visits, safe closure and previous history. */
export function registerMonitoringRoutes(api: Api): void {
  void api;
}
