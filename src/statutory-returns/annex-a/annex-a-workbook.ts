import ExcelJS from 'exceljs';
import type { AnnexA } from './annex-a.ts';
import type { Cell } from './sheets.ts';

/**
 * The Annex A workbook: one sheet per list with the template's names and headers, the header row
 * bold, dates as real dates shown dd/mm/yyyy (so Ofsted's tools and filters see dates, not text),
 * and columns wide enough to read. A list Jigsaw does not hold has its note in the row below the
 * headers.
 */
export async function annexAWorkbook(a: AnnexA): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'Jigsaw';
  // Fixed, so the same lists give the same file.
  wb.created = new Date(`${a.to}T00:00:00Z`);
  wb.modified = wb.created;
  for (const l of a.lists) {
    const ws = wb.addWorksheet(l.sheet, { views: [{ state: 'frozen', ySplit: 1 }] });
    ws.columns = l.headers.map((h) => ({ header: h, width: Math.min(45, Math.max(12, h.length * 0.9)) }));
    const head = ws.getRow(1);
    head.font = { bold: true };
    head.alignment = { wrapText: true, vertical: 'top' };
    for (const row of l.rows) ws.addRow(row.map(value));
    l.headers.forEach((_h, i) => {
      const col = ws.getColumn(i + 1);
      if (l.rows.some((r) => isDate(r[i]))) col.numFmt = 'dd/mm/yyyy';
    });
    if (l.note) ws.getCell('A2').value = l.note;
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}

const isDate = (c: Cell | undefined): c is { date: string } => typeof c === 'object' && c !== null;
function value(c: Cell): ExcelJS.CellValue {
  // Midnight UTC: Excel dates have no time zone, and this one is the London calendar day.
  return isDate(c) ? new Date(`${c.date}T00:00:00Z`) : c;
}
