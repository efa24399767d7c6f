import type { Api } from '../route.ts';

/** The multi-agency chronology, contradictions, agencies involved and same-person links. */
export function registerChronologyRoutes(api: Api): void {
  void api;
}
