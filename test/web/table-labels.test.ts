import { describe, expect, it } from 'vitest';
import { labelTableCells } from '../../src/web/table-labels.ts';

describe('tables that stack on a phone', () => {
  it('labels each value with its column heading (tags dropped, quotes escaped, colspans counted); row headings and other tables are left alone', () => {
    const html = `<table class="govuk-table"><thead class="govuk-table__head"><tr><th scope="col">Who</th><th scope="col">Is this <span class="govuk-visually-hidden">person’s</span> "kind"</th><th scope="col">Since</th></tr></thead>
<tbody><tr class="govuk-table__row"><th scope="row" class="govuk-table__header">Natasha</th><td class="govuk-table__cell">Parent</td><td class="govuk-table__cell">2021</td></tr>
<tr><td colspan="2">None</td><td>—</td></tr></tbody></table><table><thead><tr><th>X</th></tr></thead><tbody><tr><td>1</td></tr></tbody></table>`;
    const out = labelTableCells(html);
    expect(out).toContain('<th scope="row" class="govuk-table__header">Natasha</th>');
    expect(out).toContain('<td class="govuk-table__cell" data-label="Is this person’s &quot;kind&quot;">Parent</td>');
    expect(out).toContain('<td class="govuk-table__cell" data-label="Since">2021</td>');
    expect(out).toContain('<td colspan="2" data-label="Who">None</td><td data-label="Since">—</td>');
    expect(out).toContain('<tbody><tr><td>1</td></tr></tbody></table>');
    expect(labelTableCells('<p>No tables</p>')).toBe('<p>No tables</p>');
  });
});
