import type { Api } from '../route.ts';

/** Managers' alerts for overdue statutory steps, and timescale reports. */
export function registerOversightRoutes(api: Api): void {
  void api;
}
