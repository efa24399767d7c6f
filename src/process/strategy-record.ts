import type { ActorContext, Tx } from '../shared/context.ts';
import { newId } from '../shared/ids.ts';
import { notifyAgency } from '../sharing/notify.ts';

/**
 * Circulating the strategy discussion record (Working Together 28.3) is a sending, not a tick.
 *
 * The record: the strategy discussion's content (who took part and what was decided) is written
 * as a record of children's social care about the child, in its own index, of kind
 * 'strategy_discussion' (an agency_record like any other, so the recipients read it through their
 * usual "shared with you" pages; only the process writes this kind: it is not among the kinds a
 * practitioner chooses).
 *
 * The sending: one share decision made by the process, on the statutory duty (28.3 requires the
 * record to go to everyone who took part), with a share grant of the record to each agency that
 * took part, other than children's social care itself. It is a share decision like any other, so
 * it is counted in the sharing report and listed in the child's sharing history. Each agency is told
 * through its safeguarding leads; the message names nobody (the shared record names the child).
 */

export interface StrategyContent {
  s47: boolean;
  policeInvestigation: boolean;
  immediateSafety: string;
  familyToBeTold: string;
  participants: { agencyId: string; practitionerId?: string | undefined; name?: string | undefined }[];
}

export interface Circulation {
  recordId: string;
  shareDecisionId: string | null;
  agencyIds: string[];
  sentAt: string;
}

/** The record's text: what was decided and who took part, in plain words. */
function recordText(s: StrategyContent, agencyNames: Map<string, string>, heldAt: string): { summary: string; details: string } {
  const who = s.participants.map((p) => `${agencyNames.get(p.agencyId) ?? 'An agency'}${p.name ? ` (${p.name})` : ''}`);
  const details = [
    `Held: ${heldAt}`,
    `Who took part: ${who.join('; ')}`,
    `Section 47 enquiries: ${s.s47 ? 'to be started' : 'not to be started'}`,
    `Police investigation: ${s.policeInvestigation ? 'yes, the police will investigate a possible crime' : 'no'}`,
    `Decisions on the child's immediate safety: ${s.immediateSafety}`,
    `What the family will be told, by whom and when: ${s.familyToBeTold}`,
  ].join('\n');
  const summary = `Strategy discussion record: ${s.s47 ? 'section 47 enquiries to be started' : 'no section 47 enquiries'}${s.policeInvestigation ? '; the police will investigate' : ''}.`;
  return { summary, details };
}

/**
 * Writes the record and sends it to each participating agency, inside the caller's transaction
 * (recordEpisodeAction: the action, the record, the grants and the notices commit together).
 */
export async function circulateStrategyRecord(ctx: ActorContext, tx: Tx, e: { id: string; agency_id: string; child_person_id: string },
  strategy: { occurredAt: string; details: StrategyContent }): Promise<Circulation> {
  const now = ctx.clock.now().toISOString();
  const participantIds = [...new Set(strategy.details.participants.map((p) => p.agencyId))];
  const agencies = (await tx.query<{ id: string; name: string }>('SELECT id, name FROM agency WHERE id = ANY($1::uuid[])', [participantIds])).rows;
  const names = new Map(agencies.map((a) => [a.id, a.name]));
  const recipients = participantIds.filter((id) => id !== e.agency_id && names.has(id));
  const heldAt = new Date(strategy.occurredAt).toLocaleString('en-GB', { timeZone: 'Europe/London', day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit' });
  const text = recordText(strategy.details, names, heldAt);
  const recordId = newId();
  await tx.query('INSERT INTO agency_record (id, person_id, agency_id, current_version, restricted, created_by, created_at) VALUES ($1,$2,$3,1,false,$4,$5)',
    [recordId, e.child_person_id, e.agency_id, ctx.actor.practitionerId, now]);
  await tx.query(
    `INSERT INTO agency_record_version (record_id, version, kind, occurred_at, recorded_at, author_id, categories, fact_or_opinion,
       reported_or_witnessed, source, confidential, sensitive_categories, summary, details, childs_words, outcome, correction_reason)
     VALUES ($1,1,'strategy_discussion',$2,$3,$4,$5,'fact','witnessed',$6,true,'{}',$7,$8,NULL,NULL,NULL)`,
    [recordId, strategy.occurredAt, now, ctx.actor.practitionerId, ['other'], JSON.stringify({ type: 'practitioner', identityProtected: false }), text.summary, text.details]);
  // Only children's social care took part: the record is held, and there is no one else to send it to.
  if (recipients.length === 0) return { recordId, shareDecisionId: null, agencyIds: [], sentAt: now };
  const decisionId = newId();
  const purpose = 'Circulating the strategy discussion record to everyone who took part (Working Together 28.3)';
  const answers = { purposeCode: 'child_protection_enquiry', purpose, withinAgencyFunctions: true, legalObligation: 'statutory_duty', legalObligationReference: 'Working Together to Safeguard Children, paragraph 28.3' };
  await tx.query(
    `INSERT INTO share_decision (id, person_id, agency_id, decided_by, decided_at, outcome, legal_basis, purpose_code, purpose, answers, reasons, urgent, completed_at, onward_sharing)
     VALUES ($1,$2,$3,$4,$5,'share','statutory_duty','child_protection_enquiry',$6,$7,$8,false,$5,'not_permitted')`,
    [decisionId, e.child_person_id, e.agency_id, ctx.actor.practitionerId, now, purpose, JSON.stringify(answers),
      'The record of a strategy discussion is shared with all attendees within one working day (28.3).']);
  for (const agencyId of recipients) {
    await tx.query('INSERT INTO share_recipient (decision_id, agency_id, practitioner_id) VALUES ($1,$2,NULL)', [decisionId, agencyId]);
    await tx.query(
      `INSERT INTO share_grant (id, decision_id, record_id, person_id, grantee_agency_id, grantee_practitioner_id, parts, valid_from, valid_until)
       VALUES ($1,$2,$3,$4,$5,NULL,$6,$7,NULL)`,
      [newId(), decisionId, recordId, e.child_person_id, agencyId, ['summary', 'details'], now]);
    await notifyAgency(tx, agencyId, { kind: 'share.received', entityType: 'share_decision', entityId: decisionId, message: 'A strategy discussion record has been shared with your agency.' }, ctx.clock.now());
  }
  return { recordId, shareDecisionId: decisionId, agencyIds: recipients, sentAt: now };
}
