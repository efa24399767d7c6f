import { z } from 'zod';
import { listNotifications, markRead, Notification } from '../../sharing/notifications.ts';
import {
  answerRequest, getRequest, InformationRequest, InformationRequestAnswer, listIncomingRequests, listOutgoingRequests, NewInformationRequest, RequestStatus,
  sendInformationRequest,
} from '../../sharing/requests.ts';
import { IdParams, type Api } from '../route.ts';

const IncomingQuery = z.strictObject({ status: RequestStatus.optional() });

const NotificationsQuery = z.strictObject({
  unread: z.enum(['true', 'false'], { error: () => 'Must be true or false' }).optional().meta({ description: 'true: only notifications not yet read.' }),
});

/** Requests for information between agencies, and practitioners' notifications. */
export function registerRequestRoutes(api: Api): void {
  api.route({
    method: 'POST', url: '/information-requests', tag: 'Information requests',
    summary: "Ask another agency to share what it holds about someone in your index, for a stated purpose. The agency's safeguarding leads are notified.",
    body: NewInformationRequest, response: InformationRequest,
    handler: ({ ctx, body }) => sendInformationRequest(ctx, body),
  });
  api.route({
    method: 'GET', url: '/information-requests/incoming', tag: 'Information requests',
    summary: "Your agency's queue of requests from other agencies: open first, urgent first, oldest first.",
    query: IncomingQuery, response: z.array(InformationRequest),
    handler: ({ ctx, query }) => listIncomingRequests(ctx, query.status),
  });
  api.route({
    method: 'GET', url: '/information-requests/outgoing', tag: 'Information requests',
    summary: 'Requests your agency has sent, newest first, with their answers.',
    response: z.array(InformationRequest),
    handler: ({ ctx }) => listOutgoingRequests(ctx),
  });
  api.route({
    method: 'GET', url: '/information-requests/{id}', tag: 'Information requests',
    summary: 'One request, for the agency that asked or the agency asked.',
    params: IdParams, response: InformationRequest,
    handler: ({ ctx, params }) => getRequest(ctx, params.id),
  });
  api.route({
    method: 'POST', url: '/information-requests/{id}/answer', tag: 'Information requests', status: 200,
    summary: 'Answer a request without sharing: a refusal or "we hold nothing", with the reason. To share, record a share decision naming the request.',
    params: IdParams, body: InformationRequestAnswer, response: InformationRequest,
    handler: ({ ctx, params, body }) => answerRequest(ctx, params.id, body),
  });
  api.route({
    method: 'GET', url: '/notifications', tag: 'Notifications',
    summary: 'Your notifications, newest first. They say what happened, never who it is about.',
    query: NotificationsQuery, response: z.array(Notification),
    handler: ({ ctx, query }) => listNotifications(ctx, { unreadOnly: query.unread === 'true' }),
  });
  api.route({
    method: 'POST', url: '/notifications/{id}/read', tag: 'Notifications', status: 200,
    summary: 'Mark one of your notifications read.',
    params: IdParams, response: Notification,
    handler: ({ ctx, params }) => markRead(ctx, params.id),
  });
}
