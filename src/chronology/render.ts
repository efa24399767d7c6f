import { CSV_BOM, toCsv, type Cell } from '../shared/csv.ts';
import { renderView } from '../web/view.ts';
import { ukLocalIso } from '../calendar/uk-time.ts';
import type { Chronology, ChronologyEntry, Contradiction } from './schemas.ts';

/**
 * The chronology's two exports. Both are drawn only from a Chronology the service has already
 * decided on, row by row: they can show nothing the JSON does not.
 */

const label = (v: string): string => v.replace(/_/g, ' ');

const sharedBy = (e: ChronologyEntry): string | null =>
  e.share ? `${e.share.sharedByAgencyName} (${e.share.sharedByName}, ${ukLocalIso(e.share.sharedAt)!.slice(0, 10)}; ${label(e.share.legalBasis)}; onward sharing ${label(e.share.onwardSharing)})` : null;

const markText = (c: Contradiction): string => {
  const m = c.mark!;
  return `Marked by ${m.markedByAgencyName}${m.markedByName ? ` (${m.markedByName})` : ''} on ${ukLocalIso(m.markedAt)!.slice(0, 10)}${m.note ? `: ${m.note}` : ' — ask them for the details'}`;
};

const CSV_COLUMNS: readonly [string, (e: ChronologyEntry, marks: ReadonlyMap<string, Contradiction>) => Cell][] = [
  // UK local time with its offset ("2026-07-01T10:00:00+01:00"): the clock time practitioners saw, still unambiguous.
  ['Occurred at (UK time)', (e) => ukLocalIso(e.occurredAt)],
  ['Recorded at (UK time)', (e) => ukLocalIso(e.recordedAt)],
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
/* On a phone's screen each entry stacks, every value under its column's heading (data-label). */
@media screen and (max-width: 40em) {
  body { margin: .8em; overflow-wrap: break-word; }
  table, tbody, tr, td { display: block; }
  thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
  tr { border: 1px solid #555; margin-bottom: .6em; }
  td { border: 0; border-bottom: 1px solid #ccc; }
  td.when { white-space: normal; }
  td[data-label]::before { content: attr(data-label); display: block; font-weight: bold; }
}
@media print {
  @page { size: A4 landscape; margin: 12mm; }
  body { margin: 0; }
  thead { display: table-header-group; }
  tr, li { page-break-inside: avoid; break-inside: avoid; }
  a { color: #000; text-decoration: none; }
}
`.trimStart();

/** An entry's words for the printable page; the template (src/web/views/chronology/print.njk) gives them markup. */
function entryView(e: ChronologyEntry, marks: ReadonlyMap<string, Contradiction>): Record<string, unknown> {
  return {
    id: e.id,
    occurred: when(e.occurredAt),
    recorded: when(e.recordedAt),
    flags: [e.backdated ? 'back-dated' : '', e.restricted ? 'restricted' : ''].filter(Boolean).join(', '),
    aboutName: e.about.name ?? '',
    relation: label(e.about.relation),
    agencyName: e.agencyName,
    authorName: e.authorName,
    kind: label(e.kind),
    categories: e.categories.map(label).join(', '),
    factOrOpinion: e.factOrOpinion,
    reportedOrWitnessed: e.reportedOrWitnessed,
    summary: e.summary,
    details: e.details,
    childsWords: e.childsWords,
    outcome: e.outcome ? label(e.outcome) : null,
    sharedBy: sharedBy(e),
    marks: e.contradictionIds.map((id) => marks.get(id)).filter((c) => c !== undefined).map(markText),
  };
}

/**
 * A printable page for a child protection conference: server-rendered through the same Nunjucks
 * environment as the pages (every value autoescaped), no scripts, no names in the title.
 */
export function chronologyHtml(c: Chronology, cssHref = '/api/v1/chronology/print.css'): string {
  const marks = new Map(c.contradictions.filter((x) => x.kind === 'marked').map((x) => [x.id, x]));
  return renderView('chronology/print.njk', {
    cssHref,
    subject: c.entries.find((e) => e.about.relation === 'subject' && e.about.name)?.about.name,
    generated: UK_DATE_TIME_LONG.format(new Date(c.generatedAt)),
    viewer: c.viewerAgencyName,
    household: c.household,
    contradictions: c.contradictions.map((x) => ({
      description: x.description,
      mark: x.kind === 'marked' ? x.mark : null,
      markText: x.kind === 'marked' ? markText(x) : null,
      values: x.values.map((v) => ({ value: v.value, heldBy: v.heldBy.map((h) => h.agencyName).join(', ') })),
    })),
    entries: c.entries.map((e) => entryView(e, marks)),
  });
}
