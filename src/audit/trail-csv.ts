import { stringify } from 'csv-stringify/sync';
import { ukDateTime } from '../web/view.ts';
import type { TrailEntry } from './trail.ts';
import type { PersonAccess } from './who-looked.ts';

/**
 * The auditors' CSV files: exactly the rows and columns the page shows, names only where the page
 * shows them. A UTF-8 byte order mark first (Excel reads names such as Zoë right), CRLF line ends.
 */

/** Text a spreadsheet would run as a formula gets an apostrophe first: an export can never execute. */
export function formulaSafe(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

const BOM = '\uFEFF';

function csv(rows: (string | number)[][]): string {
  return BOM + stringify(rows.map((r) => r.map((c) => (typeof c === 'string' ? formulaSafe(c) : c))), { record_delimiter: 'windows' });
}

export const TRAIL_COLUMNS = ['Entry', 'When', 'Who', 'Agency', 'What', 'About', 'Outcome', 'Purpose'];

export const trailRow = (e: TrailEntry): (string | number)[] => [
  e.seq, ukDateTime(e.at), e.practitionerName ?? (e.practitionerId ? '' : 'Jigsaw'), e.agencyName ?? '', e.actionText, e.about.text, e.outcomeText, e.purpose ?? '',
];

export function trailCsv(items: readonly TrailEntry[]): string {
  return csv([TRAIL_COLUMNS, ...items.map(trailRow)]);
}

/** Who looked: the groups, then a blank line and the entries, as on the page. */
export function personAccessCsv(a: PersonAccess): string {
  return csv([
    ['Practitioner', 'Agency', 'Times', 'First', 'Last'],
    ...a.groups.map((g) => [g.practitionerName ?? 'Jigsaw', g.agencyName ?? '', g.count, ukDateTime(g.first), ukDateTime(g.last)]),
    [],
    TRAIL_COLUMNS,
    ...a.entries.map(trailRow),
  ]);
}
