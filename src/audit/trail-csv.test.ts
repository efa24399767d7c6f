import { describe, expect, it } from 'vitest';
import { formulaSafe, personAccessCsv, trailCsv } from './trail-csv.ts';
import type { TrailEntry } from './trail.ts';

const entry = (over: Partial<TrailEntry> = {}): TrailEntry => ({
  seq: 42, at: '2026-12-04T14:05:00.000Z', practitionerId: '0b6f9f9e-8a43-4c55-9d7e-1f1b7a7e0c01', practitionerName: 'Amira Shah', agencyId: null, agencyName: "St Mary's, Northshire",
  action: 'record.read', actionText: 'Viewed a record', outcome: 'success', outcomeText: 'Done', purpose: null,
  about: { kind: 'own-person', personId: null, name: 'Ava O\'Neill', entityType: 'record', entityId: null, text: 'Ava O\'Neill' },
  ...over,
});

describe('the auditors’ CSV', () => {
  it('starts with a byte order mark and the page’s columns, one row per entry, CRLF, quoting what needs it', () => {
    const csv = trailCsv([entry()]);
    expect(csv.startsWith('\uFEFFEntry,When,Who,Agency,What,About,Outcome,Purpose\r\n')).toBe(true);
    expect(csv).toContain('42,4 December 2026 at 2:05pm,Amira Shah,"St Mary\'s, Northshire",Viewed a record,Ava O\'Neill,Done,\r\n');
  });

  it('never lets a spreadsheet run a cell as a formula', () => {
    for (const hostile of ['=HYPERLINK("http://x")', '+1+1', '-2', '@SUM(A1)', '\tcmd', '\rcmd']) {
      expect(formulaSafe(hostile)).toBe(`'${hostile}`);
      const csv = trailCsv([entry({ purpose: hostile, practitionerName: hostile })]);
      const purpose = csv.trim().split('\r\n')[1]!;
      expect(purpose).not.toMatch(/(^|,)"?[=+\-@]/);
    }
    expect(formulaSafe('Safeguarding review')).toBe('Safeguarding review');
  });

  it('who looked: the groups, a blank line, then the entries', () => {
    const csv = personAccessCsv({
      person: { id: '0b6f9f9e-8a43-4c55-9d7e-1f1b7a7e0c02', name: 'Ava', dateOfBirth: null, kind: 'child' }, total: 1,
      groups: [{ practitionerId: null, practitionerName: 'Amira Shah', agencyId: null, agencyName: 'School', count: 1, first: '2026-12-04T14:05:00.000Z', last: '2026-12-04T14:05:00.000Z' }],
      entries: [entry()],
    });
    const lines = csv.replace(/^\uFEFF/, '').split('\r\n');
    expect(lines.slice(0, 4)).toEqual(['Practitioner,Agency,Times,First,Last', 'Amira Shah,School,1,4 December 2026 at 2:05pm,4 December 2026 at 2:05pm', '', 'Entry,When,Who,Agency,What,About,Outcome,Purpose']);
  });
});
