import { z } from 'zod';
import { childFlags, endLookedAfter, getFlagSettings, recordBirth, recordLookedAfter, updateFlagSettings } from '../../flags/flags.ts';
import { lookupFlags } from '../../flags/lookup.ts';
import {
  AcknowledgeSeen, Birth, ChildFlags, EndLookedAfter, FlagLookup, FlagSettings, FlagSettingsInput, LookedAfter, LookupResult, NewBirth, NewLookedAfter, SeenNotification,
} from '../../flags/schemas.ts';
import { acknowledgeSeenNotification, getSeenNotification, listSeenNotifications } from '../../notifications/seen.ts';
import { IdParams, type Api } from '../route.ts';

/** Flags for health settings (CP-IS): looked-after status, births, lookups, "child was seen" notifications, the authority's contacts. */
export function registerFlagRoutes(api: Api): void {
  api.route({
    method: 'POST', url: '/flags/lookup', tag: 'Flags', status: 200,
    summary: 'A health practitioner looks a child up in a care setting: by NHS number, or by name, date of birth and postcode (candidates only). Shows flags and the authority\'s contacts, nothing of the child\'s records; an unscheduled attendance of a flagged child notifies the authority.',
    body: FlagLookup, response: LookupResult,
    handler: ({ ctx, body }) => lookupFlags(ctx, body),
  });
  api.route({
    method: 'GET', url: '/flags/people/{id}', tag: 'Flags',
    summary: "The authority's view of a child's flags and their access history (who looked, from which setting, when, scheduled or not).",
    params: IdParams, response: ChildFlags,
    handler: ({ ctx, params }) => childFlags(ctx, params.id),
  });
  api.route({
    method: 'POST', url: '/looked-after', tag: 'Flags',
    summary: 'The authority records that a child is looked after, from when and on what legal basis: the looked-after flag follows.',
    body: NewLookedAfter, response: LookedAfter,
    handler: ({ ctx, body }) => recordLookedAfter(ctx, body),
  });
  api.route({
    method: 'POST', url: '/looked-after/{id}/end', tag: 'Flags', status: 200,
    summary: 'The child is no longer looked after: the flag ends at the same moment.',
    params: IdParams, body: EndLookedAfter, response: LookedAfter,
    handler: ({ ctx, params, body }) => endLookedAfter(ctx, params.id, body),
  });
  api.route({
    method: 'POST', url: '/births', tag: 'Flags',
    summary: 'An unborn child the authority holds an entry for has been born: links the unborn entry to the child\'s entry; the unborn-child flag ends at the birth and the plan\'s flag moves to the child.',
    body: NewBirth, response: Birth,
    handler: ({ ctx, body }) => recordBirth(ctx, body),
  });
  api.route({
    method: 'GET', url: '/flag-settings', tag: 'Flags',
    summary: "The authority's contact numbers shown with its flags, and where its notifications go.",
    response: FlagSettings,
    handler: ({ ctx }) => getFlagSettings(ctx),
  });
  api.route({
    method: 'PUT', url: '/flag-settings', tag: 'Flags',
    summary: 'A manager or administrator of the authority sets the office-hours and out-of-hours numbers, the webhook address and the e-mail address. Fields left out are unchanged; null clears one. A first webhook address gets a signing secret, shown once.',
    body: FlagSettingsInput, response: FlagSettings,
    handler: ({ ctx, body }) => updateFlagSettings(ctx, body),
  });
  api.route({
    method: 'POST', url: '/flag-settings/webhook-secret', tag: 'Flags', status: 200,
    summary: 'Replaces the webhook signing secret; the new one is shown once.',
    response: FlagSettings,
    handler: ({ ctx }) => updateFlagSettings(ctx, {}, { rotateSecret: true }),
  });
  api.route({
    method: 'GET', url: '/seen-notifications', tag: 'Flags',
    summary: '"Child was seen" notifications for the authority: awaiting acknowledgement (default) or all, newest first, with their deliveries.',
    query: z.strictObject({ status: z.enum(['open', 'all'], { error: "Use 'open' (the default) or 'all'" }).optional() }),
    response: z.array(SeenNotification),
    handler: ({ ctx, query }) => listSeenNotifications(ctx, query),
  });
  api.route({
    method: 'GET', url: '/seen-notifications/{id}', tag: 'Flags',
    summary: 'One "child was seen" notification (the link in webhooks and e-mails).',
    params: IdParams, response: SeenNotification,
    handler: ({ ctx, params }) => getSeenNotification(ctx, params.id),
  });
  api.route({
    method: 'POST', url: '/seen-notifications/{id}/acknowledgement', tag: 'Flags', status: 200,
    summary: 'The authority acknowledges a notification (who and when are recorded); unacknowledged ones escalate to its managers.',
    params: IdParams, body: AcknowledgeSeen, response: SeenNotification,
    handler: ({ ctx, params, body }) => acknowledgeSeenNotification(ctx, params.id, body),
  });
}
