/**
 * The groups the API document sorts its operations into, each with what an integrator should
 * know about the group. A route's tag must be one of these (RouteSpec.tag), so the document
 * never names a tag it does not describe.
 */
export const API_TAGS = {
  'Sign-in': 'Signing in and out with a password (a session cookie for the pages), and who the caller is. Integrations use an API token (`Authorization: Bearer …`) instead.',
  Partnership: 'The agencies of the safeguarding partnerships your agency belongs to, and the practitioners of your own agency.',
  People: "Each agency's own index of people: children, adults and unborn children, with their names, addresses, relationships and lead workers. Another agency's entry is never changed from here.",
  Records: 'What an agency knows about a person: concerns, observations, contacts, visits and the like. Records are never overwritten: a correction adds a version. Restricted records are seen only by the people named on them and the safeguarding lead.',
  Consent: 'The consent register: consent given or refused, by whom and in what capacity, for which purpose and recipients, and its withdrawal.',
  Sharing: 'Recorded information-sharing decisions against the key questions. A decision to share is the only way a record crosses from one agency to another: it creates the grants that let the recipients see exactly the chosen records.',
  Advice: 'Requests for advice made while deciding whether to share, and the answers.',
  'Information requests': 'Requests from one agency to another to share what it holds about someone, and their answers.',
  Notifications: "A practitioner's own notifications. Their messages say what happened and link to it, never who it is about; each carries the child it is about (`child`) only when you may read that child's entry.",
  Chronology: "The multi-agency chronology of a child as the caller may see it, contradictions between records, the agencies involved, and the same-person links between agencies' entries.",
  Matching: "Finding the same person in other agencies' indexes: candidates with a probability and an explanation, and the practitioner's decisions on them.",
  Referrals: "Referrals of a child to children's social care or the police, the receiving agency's queue, and the feedback to the referrer.",
  Process: "The child protection process in children's social care: episodes as append-only actions, what is due and overdue, and previous history.",
  Caseload: "Your caseload (\"My children\"): the children you are lead worker for, allocated to, named on or monitoring — and, for a safeguarding lead or a manager, the agency's children with something open — with what needs attention first.",
  Oversight: "Managers' view of the statutory timescales: overdue alerts, what is due, and timescale reports.",
  Monitoring: 'Agreed monitoring arrangements between agencies, missed checks, and the notices sent when a case closes.',
  Meetings: 'Strategy discussions, conferences, core groups and panels: invitations, contributions, outcomes and the actions they give practitioners.',
  Flags: "Child-protection and looked-after flags for health settings (CP-IS), the lookups, and the \"child was seen\" notifications to the responsible authority.",
  Reports: 'Counts for the safeguarding partnership board; no personal data.',
  Returns: "Statutory returns for children's social care (the DfE's Children in Need census and its validation, Ofsted's Annex A): for the agency's data team and managers. They list children by identifier and date of birth; every child listed is in the audit trail.",
  Audit: "For an agency's auditors: its audit trail (entries its practitioners made, and entries anyone made about its own people and records), who looked at one of its children, and checks of the whole deployment's hash-chained trail. Every read is itself audited.",
} as const;

export type ApiTag = keyof typeof API_TAGS;
