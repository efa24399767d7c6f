/** How long an API token works unless its maker says otherwise (issue 19): no token works for ever. */
export const DEFAULT_API_TOKEN_DAYS = 90;
export const MAX_API_TOKEN_DAYS = 366;

export function apiTokenDays(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.JIGSAW_API_TOKEN_DAYS;
  const days = raw === undefined || raw === '' ? DEFAULT_API_TOKEN_DAYS : Number(raw);
  if (!Number.isInteger(days) || days < 1 || days > MAX_API_TOKEN_DAYS) throw new Error(`JIGSAW_API_TOKEN_DAYS must be a whole number of days from 1 to ${MAX_API_TOKEN_DAYS}`);
  return days;
}
