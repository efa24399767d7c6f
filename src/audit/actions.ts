/**
 * The audit trail's actions in plain words, for the auditors' pages and their CSV. An action not
 * listed here (one added later) is still shown, worded from its code, and can still be searched.
 */
export const ACTION_WORDS: Readonly<Record<string, string>> = {
  'auth.sign-in': 'Signed in',
  'auth.sign-out': 'Signed out',
  'auth.token-create': 'Created an API token',
  'auth.set-password': 'Set a password',
  'auth.set-password-open': 'Opened a set-password link',
  'person.create': 'Added a person to the index',
  'person.read': 'Viewed a person’s details',
  'person.summary': 'Viewed a person’s summary',
  'person.search': 'Searched the index',
  'person.addresses': 'Viewed a person’s addresses',
  'person.add-name': 'Added a name',
  'person.add-address': 'Added an address',
  'person.end-address': 'Ended an address',
  'person.agencies-involved': 'Viewed the agencies involved',
  'person.link': 'Linked the same person across agencies',
  'person.unlink': 'Unlinked the same person',
  'person.previous-history': 'Viewed previous history',
  'person.safety-counts': 'Viewed safety counts',
  'person.candidates': 'Viewed possible matches',
  'person.candidate-search': 'Searched for possible matches',
  'relationship.create': 'Added a relationship',
  'relationship.end': 'Ended a relationship',
  'lead-worker.set': 'Set the lead worker',
  'record.create': 'Added a record',
  'record.read': 'Viewed a record',
  'record.list': 'Viewed a list of records',
  'record.history': 'Viewed a record’s versions',
  'record.correct': 'Corrected a record',
  'record.restrict': 'Changed who may see a record',
  'record.access-history': 'Viewed who has viewed a record',
  'record.contradiction-mark': 'Marked records as contradicting',
  'chronology.read': 'Viewed the chronology',
  'flags.read': 'Viewed flags',
  'flags.lookup': 'Looked up flags',
  'flags.access-history.read': 'Viewed who looked up flags',
  'share.decide': 'Recorded a decision to share',
  'share.read': 'Viewed a shared decision',
  'share.list': 'Viewed what was shared',
  'share.preview': 'Previewed a share',
  'share.revoke': 'Revoked a share',
  'share.complete': 'Completed an urgent share',
  'consent.record': 'Recorded consent',
  'consent.read': 'Viewed consent',
  'consent.list': 'Viewed the consent register',
  'consent.withdraw': 'Recorded consent withdrawn',
  'advice.read': 'Viewed advice',
  'advice.give': 'Gave advice',
  'advice.list': 'Viewed advice requests',
  'information-request.send': 'Sent an information request',
  'information-request.read': 'Viewed an information request',
  'referral.read': 'Viewed a referral',
  'referral.accept': 'Accepted a referral',
  'referral.place': 'Placed a referral',
  'referral.route': 'Routed a referral',
  'episode.read': 'Viewed an episode',
  'episode.open': 'Opened an episode',
  'plan.read': 'Viewed a plan',
  'plan.share': 'Shared a plan',
  'meeting.read': 'Viewed a meeting',
  'meeting.schedule': 'Scheduled a meeting',
  'practitioner.create': 'Added a practitioner',
  'practitioner.list': 'Viewed the practitioners',
  'practitioner.set-password-link': 'Issued a set-password link',
  'agency.create': 'Added an agency',
  'agency.sensitivity': 'Changed the agency’s sensitivity',
  'fhir.token-create': 'Created a FHIR token',
  'fhir.token-revoke': 'Revoked a FHIR token',
  'caseload.list': 'Viewed a caseload',
  'report.sharing': 'Viewed the sharing board report',
  'audit.search': 'Searched the audit trail',
  'audit.export': 'Downloaded the audit trail',
  'audit.person-search': 'Looked for a person in the audit trail',
  'audit.person-access': 'Viewed who looked at a child',
  'audit.person-access-export': 'Downloaded who looked at a child',
  'audit.verify': 'Checked the audit trail',
  'audit.verification-read': 'Viewed the audit trail’s check',
};

/** "record.read" → "Viewed a record"; an unlisted "episode.due-list" → "Episode: due list". */
export function actionWords(action: string): string {
  const known = ACTION_WORDS[action];
  if (known) return known;
  const [domain = action, ...rest] = action.split('.');
  const what = rest.join(' ').replace(/[-_]/g, ' ');
  const d = domain.replace(/[-_]/g, ' ');
  const head = d.charAt(0).toUpperCase() + d.slice(1);
  return what ? `${head}: ${what}` : head;
}

/** The actions a search offers, in the order of their words. */
export const ACTION_CHOICES: readonly { value: string; text: string }[] = Object.entries(ACTION_WORDS)
  .map(([value, text]) => ({ value, text }))
  .sort((a, b) => a.text.localeCompare(b.text, 'en-GB'));

export const OUTCOME_WORDS: Readonly<Record<string, string>> = {
  success: 'Done',
  denied: 'Refused',
  not_found: 'Not found or refused',
  failure: 'Failed',
};
