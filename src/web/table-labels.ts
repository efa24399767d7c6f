/**
 * Tables that stack on a phone: each body cell is given its column's heading as data-label, which
 * the stylesheet (src/web/styles/jigsaw-govuk.scss) shows above the cell's value when the screen is
 * narrower than a tablet. Done once on the rendered page, so every GOV.UK table stacks, no template
 * has to repeat its headings, and it works without JavaScript.
 */

const TABLE = /<table class="govuk-table[^"]*"[^>]*>[\s\S]*?<\/table>/g;
const HEAD = /<thead[^>]*>([\s\S]*?)<\/thead>/;
const HEAD_CELL = /<th\b[^>]*>([\s\S]*?)<\/th>/g;
const BODY_ROW = /(<tr\b[^>]*>)([\s\S]*?)(<\/tr>)/g;
const CELL_OPEN = /<(td|th)\b([^>]*)>/g;

/** The heading's words as an attribute value: tags dropped (the text is already escaped), quotes escaped. */
const label = (html: string): string => html.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim().replace(/"/g, '&quot;');

function labelTable(table: string): string {
  const head = HEAD.exec(table);
  if (!head) return table;
  const labels = [...head[1]!.matchAll(HEAD_CELL)].map((m) => label(m[1]!));
  if (!labels.some(Boolean)) return table;
  const headEnd = head.index + head[0].length;
  const body = table.slice(headEnd).replace(BODY_ROW, (_row, open: string, cells: string, close: string) => {
    let column = 0;
    const labelled = cells.replace(CELL_OPEN, (cell, tag: string, attrs: string) => {
      const at = column;
      column += Number(/colspan="(\d+)"/.exec(attrs)?.[1] ?? 1);
      const text = labels[at];
      // A row's own heading (th) names the row, and stays as it is; each value (td) is labelled.
      return text && tag === 'td' && !/data-label=/.test(attrs) ? `<${tag}${attrs} data-label="${text}">` : cell;
    });
    return `${open}${labelled}${close}`;
  });
  return table.slice(0, headEnd) + body;
}

export function labelTableCells(html: string): string {
  return html.includes('govuk-table') ? html.replace(TABLE, labelTable) : html;
}
