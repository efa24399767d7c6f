import { describe, expect, it } from 'vitest';
import { useTestDb } from '../../test/db.ts';
import { agency, concern, partnershipWith, person, practitioner, services } from '../../test/fixtures.ts';
import { fixedClock } from '../shared/clock.ts';
import { listDecisions } from '../sharing/sharing.ts';
import { dealWithLeadAlert, getLeadAlert, getLeadAlertSettings, listLeadAlerts, setLeadAlertSettings } from './lead-alerts.ts';
import { addRecord } from './records.ts';

describe('a concern brought to the designated safeguarding lead', () => {
  const t = useTestDb();

  async function school() {
    const s = services(t.db(), fixedClock('2026-12-04T14:05:00Z'));
    const p = await partnershipWith(s);
    const riverside = await agency(s, p, 'school', 'Riverside Primary');
    const other = await agency(s, p, 'school', 'Hillside Academy');
    const teacher = await practitioner(s, riverside, ['practitioner'], 'Amira Shah');
    const colleague = await practitioner(s, riverside, ['practitioner'], 'Ben Cole');
    const lead = await practitioner(s, riverside, ['safeguarding_lead'], 'Karen Doyle');
    const admin = await practitioner(s, riverside, ['administrator'], 'Olu Adebayo');
    const otherLead = await practitioner(s, other, ['safeguarding_lead'], 'Sam Ward');
    const jack = await person(teacher, { names: [{ givenNames: 'Jack', familyName: 'Carver' }], dateOfBirth: '2019-07-04' });
    return { s, riverside, other, teacher, colleague, lead, admin, otherLead, jack };
  }

  it('the teacher ticks "Tell my safeguarding lead": the lead sees the child, the concern and its author; no sharing decision is recorded', async () => {
    const c = await school();
    const rec = await addRecord(c.teacher, c.jack.id, concern({ summary: 'Jack took food from lunchboxes and says he had no breakfast', tellLead: true }));
    expect(rec.leadAlerted).toBe(true);
    const untold = await addRecord(c.teacher, c.jack.id, concern({ summary: 'Jack was tired' }));
    expect(untold.leadAlerted).toBe(false);

    const [alert, ...more] = await listLeadAlerts(c.lead);
    expect(more).toEqual([]);
    expect(alert).toMatchObject({
      recordId: rec.id, personId: c.jack.id, reason: 'asked', raisedByName: 'Amira Shah', raisedAt: '2026-12-04T14:05:00.000Z',
      record: { kind: 'concern', summary: 'Jack took food from lunchboxes and says he had no breakfast', authorName: 'Amira Shah' }, dealtWith: null,
    });
    // Telling the lead is not a decision to share, nor a request for advice.
    expect(await listDecisions(c.lead, c.jack.id)).toEqual([]);
  });

  it('only the holding agency’s lead sees it: a colleague is refused (403), another school’s lead sees nothing and cannot open it (404)', async () => {
    const c = await school();
    await addRecord(c.teacher, c.jack.id, concern({ tellLead: true }));
    const [alert] = await listLeadAlerts(c.lead);
    await expect(listLeadAlerts(c.colleague)).rejects.toMatchObject({ status: 403 });
    expect(await listLeadAlerts(c.otherLead)).toEqual([]);
    await expect(getLeadAlert(c.otherLead, alert!.id)).rejects.toMatchObject({ status: 404 });
    await expect(getLeadAlert(c.colleague, alert!.id)).rejects.toMatchObject({ status: 404 });
    await expect(dealWithLeadAlert(c.otherLead, alert!.id, { note: 'Not mine' })).rejects.toMatchObject({ status: 404 });
    // Refusals are audited like every other.
    const refused = await c.s.db.query<{ outcome: string }>("SELECT outcome FROM audit_event WHERE action LIKE 'lead-alert.%' AND outcome <> 'success'");
    expect(refused.rows.length).toBeGreaterThanOrEqual(3);
  });

  it('the lead marks it dealt with, with a note, once; it leaves the open list and the trail records who read and closed it', async () => {
    const c = await school();
    await addRecord(c.teacher, c.jack.id, concern({ tellLead: true }));
    const [alert] = await listLeadAlerts(c.lead);
    const done = await dealWithLeadAlert(c.lead, alert!.id, { note: 'Referred to children’s social care' });
    expect(done.dealtWith).toMatchObject({ byName: 'Karen Doyle', note: 'Referred to children’s social care' });
    expect(await listLeadAlerts(c.lead)).toEqual([]);
    expect(await listLeadAlerts(c.lead, { status: 'dealt_with' })).toHaveLength(1);
    await expect(dealWithLeadAlert(c.lead, alert!.id, { note: 'Again' })).rejects.toMatchObject({ status: 409 });
    const trail = await c.s.db.query<{ action: string; person_id: string | null }>("SELECT action, person_id FROM audit_event WHERE action LIKE 'lead-alert.%' AND outcome = 'success' ORDER BY seq");
    expect(trail.rows.map((r) => r.action)).toEqual(expect.arrayContaining(['lead-alert.raise', 'lead-alert.list', 'lead-alert.deal-with']));
    expect(trail.rows.find((r) => r.action === 'lead-alert.deal-with')?.person_id).toBe(c.jack.id);
  });

  it('the agency’s administrator chooses kinds and categories that always go to the lead; nobody else may', async () => {
    const c = await school();
    await expect(setLeadAlertSettings(c.teacher, c.riverside, { kinds: ['concern'], categories: [] })).rejects.toMatchObject({ status: 403 });
    await expect(setLeadAlertSettings(c.admin, c.other, { kinds: ['concern'], categories: [] })).rejects.toMatchObject({ status: 404 });
    await setLeadAlertSettings(c.admin, c.riverside, { kinds: ['incident'], categories: ['sexual_abuse', 'sexual_abuse'] });
    expect(await getLeadAlertSettings(c.teacher, c.riverside)).toMatchObject({ kinds: ['incident'], categories: ['sexual_abuse'] });

    const incident = await addRecord(c.teacher, c.jack.id, concern({ kind: 'incident', summary: 'Fight in the playground' }));
    const disclosure = await addRecord(c.colleague, c.jack.id, concern({ categories: ['sexual_abuse'], summary: 'What Jack said at circle time' }));
    const other = await addRecord(c.teacher, c.jack.id, concern({ summary: 'Late again' }));
    expect([incident.leadAlerted, disclosure.leadAlerted, other.leadAlerted]).toEqual([true, true, false]);
    const alerts = await listLeadAlerts(c.lead);
    expect(alerts).toHaveLength(2);
    expect(alerts.map((a) => [a.record.summary, a.reason, a.record.authorName])).toEqual(expect.arrayContaining([
      ['Fight in the playground', 'agency_setting', 'Amira Shah'], ['What Jack said at circle time', 'agency_setting', 'Ben Cole'],
    ]));
  });
});
