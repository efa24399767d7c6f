import { z } from 'zod';
import { childFlags, endLookedAfter, getFlagSettings, recordBirth, recordLookedAfter, updateFlagSettings } from '../../flags/flags.ts';
import { lookupFlags } from '../../flags/lookup.ts';
import {
  AcknowledgeSeen, Birth, ChildFlags, EndLookedAfter, FlagLookup, FlagSettings, FlagSettingsInput, LookedAfter, LookupResult, NewBirth, NewLookedAfter, SeenNotification,
} from '../../flags/schemas.ts';
import { acknowledgeSeenNotification, getSeenNotification, listSeenNotificationsPage, SeenNotificationKey } from '../../notifications/seen.ts';
import { page, pageQuery, pageRequest } from '../../shared/pagination.ts';
import { IdParams, type Api } from '../route.ts';

/** Flags for health settings (CP-IS): looked-after status, births, lookups, "child was seen" notifications, the authority's contacts. */
/** webhookHttpHosts: JIGSAW_WEBHOOK_HTTP_HOSTS, the only hosts a webhook may reach over http or at a private address. */
export function registerFlagRoutes(api: Api, opts: { webhookHttpHosts?: readonly string[] | undefined } = {}): void {
  api.route({
    method: 'POST', url: '/flags/lookup', tag: 'Flags', status: 200,
    operationId: 'lookupFlags', summary: 'Look a child up for flags',
    description: "A health practitioner looks a child up in a care setting: by NHS number, or by name, date of birth and postcode (candidates only). Shows flags and the authority's contacts, nothing of the child's records; an unscheduled attendance of a flagged child notifies the authority. Give either `nhsNumber` or `demographics` (name, date of birth and postcode), not both and not neither (422 naming `nhsNumber`). Only health practitioners (403).",
    body: FlagLookup, response: LookupResult,
    handler: ({ ctx, body }) => lookupFlags(ctx, body),
  });
  api.route({
    method: 'GET', url: '/flags/people/{id}', tag: 'Flags',
    operationId: 'getChildFlags', summary: "Get a child's flags and lookups",
    description: "The authority's view of a child's flags and their access history (who looked, from which setting, when, scheduled or not). Children's social care, for a child in its index.",
    params: IdParams, response: ChildFlags,
    handler: ({ ctx, params }) => childFlags(ctx, params.id),
  });
  api.route({
    method: 'POST', url: '/looked-after', tag: 'Flags',
    operationId: 'recordLookedAfter', summary: 'Record that a child is looked after',
    description: "The authority records that a child is looked after, from when and on what legal basis: the looked-after flag follows. Only children's social care (403). Only a child (not an unborn child or an adult; 422 naming `childPersonId`); the start may not be in the future; a period overlapping one already recorded is a 409 (end the current one first).",
    body: NewLookedAfter, response: LookedAfter,
    handler: ({ ctx, body }) => recordLookedAfter(ctx, body),
  });
  api.route({
    method: 'POST', url: '/looked-after/{id}/end', tag: 'Flags', status: 200,
    operationId: 'endLookedAfter', summary: 'End a looked-after period',
    description: 'The child is no longer looked after: the flag ends at the same moment. `endedAt` may not be in the future nor before the period started (422 naming `endedAt`); a period ends once (409).',
    params: IdParams, body: EndLookedAfter, response: LookedAfter,
    handler: ({ ctx, params, body }) => endLookedAfter(ctx, params.id, body),
  });
  api.route({
    method: 'POST', url: '/births', tag: 'Flags',
    operationId: 'recordBirth', summary: 'Record a birth',
    description: "An unborn child the authority holds an entry for has been born: links the unborn entry to the child's entry; the unborn-child flag ends at the birth and the plan's flag moves to the child. `unbornPersonId` must be an unborn child's entry and `childPersonId` a child's, both in your index (422 naming each); the birth may not be in the future; a birth is recorded once (409).",
    body: NewBirth, response: Birth,
    handler: ({ ctx, body }) => recordBirth(ctx, body),
  });
  api.route({
    method: 'GET', url: '/flag-settings', tag: 'Flags',
    operationId: 'getFlagSettings', summary: 'Get the flag settings',
    description: "The authority's contact numbers shown with its flags, and where its notifications go. Children's social care only (403). The webhook secret is never shown again here.",
    response: FlagSettings,
    handler: ({ ctx }) => getFlagSettings(ctx),
  });
  api.route({
    method: 'PUT', url: '/flag-settings', tag: 'Flags',
    operationId: 'updateFlagSettings', summary: 'Change the flag settings',
    description: "A manager or administrator of the authority sets the office-hours and out-of-hours numbers, the webhook address and the e-mail address. Fields left out are unchanged; null clears one. A first webhook address gets a signing secret, shown once. The webhook address must be https to a public address (422 otherwise), unless the operator lists its host in JIGSAW_WEBHOOK_HTTP_HOSTS. Children's social care only (403).",
    body: FlagSettingsInput, response: FlagSettings,
    handler: ({ ctx, body }) => updateFlagSettings(ctx, body, { webhookHttpHosts: opts.webhookHttpHosts }),
  });
  api.route({
    method: 'POST', url: '/flag-settings/webhook-secret', tag: 'Flags', status: 200,
    operationId: 'rotateWebhookSecret', summary: 'Replace the webhook secret',
    description: "Replaces the webhook signing secret; the new one is shown once. A manager or administrator of children's social care (403 otherwise).",
    response: FlagSettings,
    handler: ({ ctx }) => updateFlagSettings(ctx, {}, { rotateSecret: true }),
  });
  api.route({
    method: 'GET', url: '/seen-notifications', tag: 'Flags',
    operationId: 'listSeenNotifications', summary: 'List "child was seen" notifications',
    description: "\"Child was seen\" notifications for the authority: awaiting acknowledgement (default) or all, newest first, with their deliveries. For the authority's casework staff who take the queue (403 otherwise).",
    query: z.strictObject({
      status: z.enum(['open', 'all'], { error: "Use 'open' (the default) or 'all'" }).optional().meta({ description: 'open (the default): awaiting acknowledgement; all: acknowledged ones too.' }),
      ...pageQuery('seen-notifications', SeenNotificationKey),
    }),
    response: page(SeenNotification),
    handler: ({ ctx, query }) => listSeenNotificationsPage(ctx, { status: query.status }, pageRequest(query)),
  });
  api.route({
    method: 'GET', url: '/seen-notifications/{id}', tag: 'Flags',
    operationId: 'getSeenNotification', summary: 'Get a "child was seen" notification',
    description: "One \"child was seen\" notification (the link in webhooks and e-mails). Another authority's notification is answered 404.",
    params: IdParams, response: SeenNotification,
    handler: ({ ctx, params }) => getSeenNotification(ctx, params.id),
  });
  api.route({
    method: 'POST', url: '/seen-notifications/{id}/acknowledgement', tag: 'Flags', status: 200,
    operationId: 'acknowledgeSeenNotification', summary: 'Acknowledge a "child was seen" notification',
    description: 'The authority acknowledges a notification (who and when are recorded); unacknowledged ones escalate to its managers. A notification is acknowledged once (409).',
    params: IdParams, body: AcknowledgeSeen, response: SeenNotification,
    handler: ({ ctx, params, body }) => acknowledgeSeenNotification(ctx, params.id, body),
  });
}
