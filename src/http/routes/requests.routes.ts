import { z } from 'zod';
import { listNotificationsPage, markRead, Notification, NotificationKey } from '../../sharing/notifications.ts';
import {
  answerRequest, getRequest, IncomingRequestKey, InformationRequest, InformationRequestAnswer, listIncomingRequestsPage, listOutgoingRequestsPage, NewInformationRequest,
  OutgoingRequestKey, RequestStatus, sendInformationRequest,
} from '../../sharing/requests.ts';
import { page, pageQuery, pageRequest } from '../../shared/pagination.ts';
import { IdParams, type Api } from '../route.ts';

const IncomingQuery = z.strictObject({ status: RequestStatus.optional(), ...pageQuery('information-requests.incoming', IncomingRequestKey) });
const OutgoingQuery = z.strictObject(pageQuery('information-requests.outgoing', OutgoingRequestKey));

const NotificationsQuery = z.strictObject({
  unread: z.enum(['true', 'false'], { error: () => 'Must be true or false' }).optional().meta({ description: 'true: only notifications not yet read.' }),
  ...pageQuery('notifications', NotificationKey),
});

/** Requests for information between agencies, and practitioners' notifications. */
export function registerRequestRoutes(api: Api): void {
  api.route({
    method: 'POST', url: '/information-requests', tag: 'Information requests', operationId: 'sendInformationRequest',
    summary: 'Ask another agency for information',
    description: "Ask another agency to share what it holds about someone in your agency's index, for a stated purpose. The agency's safeguarding leads are notified. "
      + 'The agency asked must exist and must not be your own (422 naming `toAgencyId`); the person must be in your index (422 naming `personId`).',
    body: NewInformationRequest, response: InformationRequest,
    handler: ({ ctx, body }) => sendInformationRequest(ctx, body),
  });
  api.route({
    method: 'GET', url: '/information-requests/incoming', tag: 'Information requests', operationId: 'listIncomingInformationRequests',
    summary: 'List requests to your agency',
    description: "Your agency's queue of requests from other agencies: open first, urgent first, oldest first. Casework roles only.",
    query: IncomingQuery, response: page(InformationRequest),
    handler: ({ ctx, query }) => listIncomingRequestsPage(ctx, query.status, pageRequest(query)),
  });
  api.route({
    method: 'GET', url: '/information-requests/outgoing', tag: 'Information requests', operationId: 'listOutgoingInformationRequests',
    summary: 'List requests your agency sent',
    description: 'Requests your agency has sent, newest first, with their answers. Casework roles only.',
    query: OutgoingQuery, response: page(InformationRequest),
    handler: ({ ctx, query }) => listOutgoingRequestsPage(ctx, pageRequest(query)),
  });
  api.route({
    method: 'GET', url: '/information-requests/{id}', tag: 'Information requests', operationId: 'getInformationRequest',
    summary: 'Get a request for information',
    description: 'One request, for the agency that asked or the agency asked; anyone else is answered 404.',
    params: IdParams, response: InformationRequest,
    handler: ({ ctx, params }) => getRequest(ctx, params.id),
  });
  api.route({
    method: 'POST', url: '/information-requests/{id}/answer', tag: 'Information requests', status: 200, operationId: 'answerInformationRequest',
    summary: 'Answer a request without sharing',
    description: 'Answer a request without sharing: `refused` (you decided not to share) or `not_known` (your agency holds nothing), with the reason: a refusal needs why (3.51), '
      + '"not known" needs what you checked. Only the agency asked answers, and only while the request is open (409 once answered). To share, record a share decision naming the request.',
    params: IdParams, body: InformationRequestAnswer, response: InformationRequest,
    handler: ({ ctx, params, body }) => answerRequest(ctx, params.id, body),
  });
  api.route({
    method: 'GET', url: '/notifications', tag: 'Notifications', operationId: 'listNotifications',
    summary: 'List your notifications',
    description: 'Your notifications, newest first. The message says what happened, never who it is about; `entityType` and `entityId` say where to look, and `child` names the child when you may read their entry (null otherwise).',
    query: NotificationsQuery, response: page(Notification),
    handler: ({ ctx, query }) => listNotificationsPage(ctx, { unreadOnly: query.unread === 'true' }, pageRequest(query)),
  });
  api.route({
    method: 'POST', url: '/notifications/{id}/read', tag: 'Notifications', status: 200, operationId: 'markNotificationRead',
    summary: 'Mark a notification read',
    description: "Mark one of your notifications read; marking it again keeps the first time. Someone else's notification is answered 404.",
    params: IdParams, response: Notification,
    handler: ({ ctx, params }) => markRead(ctx, params.id),
  });
}
