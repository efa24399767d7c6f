import { CSV_BOM, toCsv, type Cell } from '../shared/csv.ts';
import type { Chronology, ChronologyEntry, Contradiction } from './schemas.ts';

/**
 * The chronology's two exports. Both are drawn only from a Chronology the service has already
 * decided on, row by row: they can show nothing the JSON does not.
 */

const label = (v: string): string => v.replace(/_/g, ' ');

const sharedBy = (e: ChronologyEntry): string | null =>
  e.share ? `${e.share.sharedByAgencyName} (${e.share.sharedByName}, ${e.share.sharedAt.slice(0, 10)}; ${label(e.share.legalBasis)}; onward sharing ${label(e.share.onwardSharing)})` : null;

const markText = (c: Contradiction): string => {
  const m = c.mark!;
  return `Marked by ${m.markedByAgencyName}${m.markedByName ? ` (${m.markedByName})` : ''} on ${m.markedAt.slice(0, 10)}${m.note ? `: ${m.note}` : ' — ask them for the details'}`;
};

const CSV_COLUMNS: readonly [string, (e: ChronologyEntry, marks: ReadonlyMap<string, Contradiction>) => Cell][] = [
  ['Occurred at', (e) => e.occurredAt],
  ['Recorded at', (e) => e.recordedAt],
  ['Back-dated', (e) => e.backdated],
  ['About', (e) => e.about.name ?? ''],
  ['Relation to child', (e) => label(e.about.relation)],
  ['Agency', (e) => e.agencyName],
  ['Author', (e) => e.authorName],
  ['Kind', (e) => label(e.kind)],
  ['Categories', (e) => e.categories.map(label).join('; ')],
  ['Fact or opinion', (e) => e.factOrOpinion],
  ['Reported or witnessed', (e) => e.reportedOrWitnessed],
  ['Summary', (e) => e.summary],
  ['Details', (e) => e.details],
  ["Child's words", (e) => e.childsWords],
  ['Outcome', (e) => (e.outcome ? label(e.outcome) : null)],
  ['Shared by', sharedBy],
  ['Contradiction marks', (e, marks) => e.contradictionIds.map((id) => marks.get(id)).filter((c) => c !== undefined).map(markText).join(' | ') || null],
  ['Record ID', (e) => e.id],
];

/** The CSV's header row. */
export const CSV_HEADER: readonly string[] = CSV_COLUMNS.map(([name]) => name);

/** One header row, then one row per entry, CRLF line ends, UTF-8 with a byte order mark. */
export function chronologyCsv(c: Chronology): string {
  const marks = new Map(c.contradictions.filter((x) => x.kind === 'marked').map((x) => [x.id, x]));
  const rows: Cell[][] = [[...CSV_HEADER], ...c.entries.map((e) => CSV_COLUMNS.map(([, value]) => value(e, marks)))];
  return CSV_BOM + toCsv(rows);
}

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: string | number | boolean | null | undefined): string {
  return String(value ?? '').replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);
}

const UK_TIME = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' });
const UK_DATE_TIME_LONG = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', dateStyle: 'long', timeStyle: 'short' });
const when = (iso: string): string => UK_TIME.format(new Date(iso));

/** The stylesheet the printable page links to (the API's content security policy allows no inline styles). */
export const PRINT_CSS = `
body { font: 10.5pt/1.35 system-ui, "Segoe UI", Arial, sans-serif; color: #000; margin: 1.5em; }
h1 { font-size: 16pt; margin: 0 0 .2em; }
h2 { font-size: 13pt; margin: 1.2em 0 .4em; }
.notice { border: 2px solid #000; padding: .4em .7em; font-weight: bold; margin: .6em 0; }
.meta { margin: 0 0 .8em; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #555; padding: .25em .4em; vertical-align: top; text-align: left; }
thead th { background: #e6e6e6; }
td.when { white-space: nowrap; }
.shared { font-size: 9pt; color: #333; }
.flag { font-weight: bold; }
.opinion { font-style: italic; }
.mark { font-weight: bold; }
.empty { font-style: italic; }
@media print {
  @page { size: A4 landscape; margin: 12mm; }
  body { margin: 0; }
  thead { display: table-header-group; }
  tr, li { page-break-inside: avoid; break-inside: avoid; }
  a { color: #000; text-decoration: none; }
}
`.trimStart();

function entryRow(e: ChronologyEntry, marks: ReadonlyMap<string, Contradiction>): string {
  const flags = [e.backdated ? 'back-dated' : '', e.restricted ? 'restricted' : ''].filter(Boolean).join(', ');
  const entryMarks = e.contradictionIds.map((id) => marks.get(id)).filter((c) => c !== undefined);
  const cells = [
    `<td class="when">${escapeHtml(when(e.occurredAt))}<br><small>recorded ${escapeHtml(when(e.recordedAt))}</small>${flags ? `<br><span class="flag">${escapeHtml(flags)}</span>` : ''}</td>`,
    `<td>${escapeHtml(e.about.name ?? '')}<br><small>${escapeHtml(label(e.about.relation))}</small></td>`,
    `<td>${escapeHtml(e.agencyName)}<br><small>${escapeHtml(e.authorName)}</small></td>`,
    `<td>${escapeHtml(label(e.kind))}<br><small>${escapeHtml(e.categories.map(label).join(', '))}</small></td>`,
    `<td class="${escapeHtml(e.factOrOpinion)}">${escapeHtml(e.factOrOpinion)}<br><small>${escapeHtml(e.reportedOrWitnessed)}</small></td>`,
    `<td>${escapeHtml(e.summary)}${e.details ? `<br><small>${escapeHtml(e.details)}</small>` : ''}${e.childsWords ? `<br><small>Child's words: “${escapeHtml(e.childsWords)}”</small>` : ''}${e.outcome ? `<br><small>Outcome: ${escapeHtml(label(e.outcome))}</small>` : ''}${e.share ? `<br><span class="shared">Shared by ${escapeHtml(sharedBy(e))}</span>` : ''}${entryMarks.map((c) => `<br><span class="mark">Contradiction: ${escapeHtml(markText(c))}</span>`).join('')}</td>`,
  ];
  return `<tr id="r-${escapeHtml(e.id)}">${cells.join('')}</tr>`;
}

function contradictionItem(c: Contradiction): string {
  if (c.kind === 'marked') {
    const m = c.mark!;
    return `<li>${escapeHtml(c.description)} Records <a href="#r-${escapeHtml(m.recordId)}">${escapeHtml(m.recordId)}</a> and <a href="#r-${escapeHtml(m.contradictsRecordId)}">${escapeHtml(m.contradictsRecordId)}</a>. ${escapeHtml(markText(c))}</li>`;
  }
  const values = c.values.map((v) => `<li>${escapeHtml(v.value)} — ${escapeHtml(v.heldBy.map((h) => h.agencyName).join(', '))}</li>`).join('');
  return `<li>${escapeHtml(c.description)}<ul>${values}</ul></li>`;
}

/**
 * A printable page for a child protection conference: server-rendered, no scripts, every value
 * escaped, no names in the title (it shows in browser history and on print headers).
 */
export function chronologyHtml(c: Chronology, cssHref = '/api/v1/chronology/print.css'): string {
  const marks = new Map(c.contradictions.filter((x) => x.kind === 'marked').map((x) => [x.id, x]));
  const subject = c.entries.find((e) => e.about.relation === 'subject' && e.about.name)?.about.name;
  return `<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="robots" content="noindex, nofollow">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Multi-agency chronology</title>
<link rel="stylesheet" href="${escapeHtml(cssHref)}">
</head>
<body>
<header>
<h1>Multi-agency chronology${subject ? `: ${escapeHtml(subject)}` : ''}</h1>
<p class="notice">Contains personal data — handle securely. Print only what the conference needs, keep printed copies secure and destroy them afterwards.</p>
<p class="meta">Generated ${escapeHtml(UK_DATE_TIME_LONG.format(new Date(c.generatedAt)))} (UK time) for ${escapeHtml(c.viewerAgencyName)}. It shows what ${escapeHtml(c.viewerAgencyName)} may see: its own records and what other agencies have shared with it${c.household ? ', for the child and their household' : ''}. Other agencies may hold more: don't assume you all have the same information.</p>
</header>
<main>
<h2>Contradictions for the chair (${c.contradictions.length})</h2>
${c.contradictions.length ? `<ul>${c.contradictions.map(contradictionItem).join('\n')}</ul>` : '<p class="empty">None found in what you can see.</p>'}
<h2>Chronology (${c.entries.length} ${c.entries.length === 1 ? 'entry' : 'entries'})</h2>
<table>
<thead><tr><th scope="col">When</th><th scope="col">About</th><th scope="col">Agency and author</th><th scope="col">Kind</th><th scope="col">Fact or opinion</th><th scope="col">What happened</th></tr></thead>
<tbody>
${c.entries.map((e) => entryRow(e, marks)).join('\n')}
</tbody>
</table>
</main>
</body>
</html>
`;
}
