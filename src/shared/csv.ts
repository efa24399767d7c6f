/** A CSV cell: text, a number, yes/no, or empty. */
export type Cell = string | number | boolean | null;

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break, quotes doubled.
 * Text a spreadsheet would run as a formula (=, +, -, @, tab or CR first) gets an apostrophe, so
 * an exported record can never execute in the reader's spreadsheet.
 */
export function csvField(value: Cell): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Rows to CSV text, CRLF after every row. */
export function toCsv(rows: readonly (readonly Cell[])[]): string {
  return rows.map((r) => `${r.map(csvField).join(',')}\r\n`).join('');
}

/**
 * A UTF-8 byte order mark to start a file: without it Excel reads the file as the local code page
 * and garbles names such as Zoë or Siân. Other tools (and RFC 4180 readers) ignore it.
 */
export const CSV_BOM = '\uFEFF';
