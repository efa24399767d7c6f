import { z } from 'zod';
import { dealWithLeadAlert, getLeadAlertSettings, listLeadAlerts, setLeadAlertSettings } from '../../records/lead-alerts.ts';
import { DealWithLeadAlert, LeadAlert, LeadAlertQuery, LeadAlertSettings, LeadAlertSettingsView } from '../../records/lead-alert-schemas.ts';
import { IdParams, type Api } from '../route.ts';

/** Concerns brought to the designated safeguarding lead (issue 17, item 7), and which records always are. */
export function registerLeadAlertRoutes(api: Api): void {
  api.route({
    method: 'GET', url: '/lead-alerts', tag: 'Records', operationId: 'listLeadAlerts',
    summary: 'List the concerns brought to you as safeguarding lead',
    description: "Records your agency's practitioners asked you to look at (`tellLead` when adding a record), and those your agency always brings to its lead. "
      + 'Each names the person, the record and its author. Only the designated safeguarding leads of the agency holding the record (403 for anyone else). '
      + 'No sharing decision is recorded by an alert: decide to share (POST /share-decisions) or refer (POST /referrals with `fromRecordIds`) as you judge.',
    query: LeadAlertQuery, response: z.array(LeadAlert),
    handler: ({ ctx, query }) => listLeadAlerts(ctx, query),
  });
  api.route({
    method: 'POST', url: '/lead-alerts/{id}/dealt-with', tag: 'Records', operationId: 'dealWithLeadAlert', status: 200,
    summary: 'Mark a concern dealt with',
    description: 'The lead records what they did about it, or why nothing more is needed (`note`, 422 when empty). Once only (409). Another agency\'s alert is answered 404.',
    params: IdParams, body: DealWithLeadAlert, response: LeadAlert,
    handler: ({ ctx, params, body }) => dealWithLeadAlert(ctx, params.id, body),
  });
  api.route({
    method: 'GET', url: '/agencies/{id}/lead-alert-settings', tag: 'Partnership', operationId: 'getLeadAlertSettings',
    summary: 'Which records always go to the safeguarding lead',
    description: 'The kinds and categories of record your agency always brings to its designated safeguarding lead. Your own agency only (404 for another).',
    params: IdParams, response: LeadAlertSettingsView,
    handler: ({ ctx, params }) => getLeadAlertSettings(ctx, params.id),
  });
  api.route({
    method: 'PUT', url: '/agencies/{id}/lead-alert-settings', tag: 'Partnership', operationId: 'setLeadAlertSettings',
    summary: 'Choose which records always go to the safeguarding lead',
    description: 'Every record of one of `kinds`, or with one of `categories`, is brought to the lead when it is added, whether or not its author asks. Your own agency\'s administrator only (403; 404 for another agency).',
    params: IdParams, body: LeadAlertSettings, response: LeadAlertSettingsView,
    handler: ({ ctx, params, body }) => setLeadAlertSettings(ctx, params.id, body),
  });
}
