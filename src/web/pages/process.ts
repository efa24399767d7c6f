import { getMeeting, listMeetings, type Meeting } from '../../meetings/meetings.ts';
import { listAlerts as listOverdueAlerts } from '../../process/alerts.ts';
import { getEpisode, listDueSteps } from '../../process/episodes.ts';
import { getPerson } from '../../people/people.ts';
import { personName } from '../view.ts';
import { safely, type Web } from '../web.ts';

type IdParams = { id: string };

/** What each action the process may allow next means, in words. */
const ACTION_TEXT: Record<string, string> = {
  referral_confirmed_in_writing: 'Record the written confirmation of a phone referral', referral_acknowledged: 'Acknowledge the referral',
  referral_decided: 'Decide the next course of action', assessment_started: 'Start an assessment', assessment_completed: 'Complete the assessment',
  urgent_protective_action: 'Record urgent protective action', strategy_discussion_held: 'Hold a strategy discussion', strategy_record_circulated: 'Circulate the strategy discussion record',
  s47_concluded: 'Conclude the section 47 enquiries', conference_held: 'Hold a child protection conference', core_group_met: 'Hold a core group meeting',
  cin_plan_reviewed: 'Review the child in need plan', plan_ended: 'End the child protection plan', case_closed: 'Close the case',
};

/** A child's process page, the authority's due steps, and meetings with their actions. */
export function registerProcessPages(web: Web): void {
  const { app } = web;

  app.get('/process', async (request, reply) => {
    const ctx = web.ctx(request);
    const steps = await safely(() => listDueSteps(ctx, {}));
    const alerts = await safely(() => listOverdueAlerts(ctx, 'open'));
    const meetings = await safely(() => listMeetings(ctx));
    return web.render(request, reply, 'process/index.njk', { pageTitle: 'The child protection process', steps, alerts, meetings });
  });

  app.get<{ Params: IdParams }>('/episodes/:id', async (request, reply) => {
    const ctx = web.ctx(request);
    const episode = await getEpisode(ctx, request.params.id);
    const child = await safely(() => getPerson(ctx, episode.childPersonId));
    const meetings: Meeting[] = [];
    for (const m of ((await safely(() => listMeetings(ctx))) ?? []).slice(0, 50)) {
      const full = await safely(() => getMeeting(ctx, m.id));
      if (full?.episodeId === episode.id) meetings.push(full);
    }
    return web.render(request, reply, 'process/episode.njk', {
      pageTitle: 'A child’s process', episode, child, name: child ? personName(child) : 'The child', meetings,
      allowed: episode.state.allowed.map((a) => ACTION_TEXT[a] ?? a), actionText: ACTION_TEXT, backLink: child ? `/people/${child.id}` : '/process',
    });
  });

  app.get<{ Params: IdParams }>('/meetings/:id', async (request, reply) => {
    const meeting = await getMeeting(web.ctx(request), request.params.id);
    return web.render(request, reply, 'process/meeting.njk', { pageTitle: 'A meeting', meeting, backLink: meeting.episodeId ? `/episodes/${meeting.episodeId}` : '/process' });
  });
}
