import type { Api } from '../route.ts';

/** Requests for information between agencies, and practitioners' notifications. */
export function registerRequestRoutes(api: Api): void {
  void api;
}
