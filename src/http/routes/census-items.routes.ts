import { getChildCensus, getEpisodeCensus, putChildCensus, putEpisodeCensus } from '../../statutory-returns/cin/census-items.ts';
import { ChildCensus, ChildCensusInput, EpisodeCensus, EpisodeCensusInput } from '../../statutory-returns/cin/census-items.schemas.ts';
import { IdParams, type Api } from '../route.ts';

const WHO = "Children's social care only, for a child in its own index: its casework staff, and its data team (role `data_officer`), who sees the child's name and date of birth and these items, nothing of the casework. Anyone else is answered 404, as if the child did not exist.";

/** The Children in Need census items on the child and the episode (issue 20). */
export function registerCensusItemRoutes(api: Api): void {
  api.route({
    method: 'GET', url: '/people/{id}/census', tag: 'People', operationId: 'getChildCensus',
    summary: "Get a child's census details",
    description: `The child's items in the Children in Need census: ethnicity, disabilities, UPN and former UPN, why a UPN is unknown, the authority's own child id and date of death. Null: not recorded. ${WHO}`,
    params: IdParams, response: ChildCensus,
    handler: ({ ctx, params }) => getChildCensus(ctx, params.id),
  });
  api.route({
    method: 'PUT', url: '/people/{id}/census', tag: 'People', operationId: 'putChildCensus',
    summary: "Record or correct a child's census details",
    description: 'Items given are set (null clears one: "not recorded"); items left out stay as they are. Refused with a 422 naming the field: a UPN whose check letter does not match; '
      + '`upnUnknown` with a UPN; `NONE` with another disability; a date of death before the date of birth or in the future; an `laChildId` another child of your agency has. ' + WHO,
    params: IdParams, body: ChildCensusInput, response: ChildCensus,
    handler: ({ ctx, params, body }) => putChildCensus(ctx, params.id, body),
  });
  api.route({
    method: 'GET', url: '/episodes/{id}/census', tag: 'Process', operationId: 'getEpisodeCensus',
    summary: "Get an episode's census details",
    description: `The episode's items in the census: referral source, primary need, reason for closure, and each completed assessment's factors and internal review date. ${WHO}`,
    params: IdParams, response: EpisodeCensus,
    handler: ({ ctx, params }) => getEpisodeCensus(ctx, params.id),
  });
  api.route({
    method: 'PUT', url: '/episodes/{id}/census', tag: 'Process', operationId: 'putEpisodeCensus',
    summary: "Record or correct an episode's census details",
    description: 'Items given are set (null clears one); items left out stay as they are. Refused with a 422 naming the field: a reason for closure on an open episode; '
      + "an assessment `seq` that is not one of the episode's completed assessments; an internal review date in the future. " + WHO,
    params: IdParams, body: EpisodeCensusInput, response: EpisodeCensus,
    handler: ({ ctx, params, body }) => putEpisodeCensus(ctx, params.id, body),
  });
}
