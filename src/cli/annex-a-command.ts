import { writeFileSync } from 'node:fs';
import { systemClock } from '../shared/clock.ts';
import { annexAForOperator, AnnexAQuery } from '../statutory-returns/annex-a/annex-a-service.ts';
import { annexAWorkbook } from '../statutory-returns/annex-a/annex-a-workbook.ts';
import { withDatabase, type Command } from './main.ts';

/**
 * `jigsaw annex-a`: Ofsted's Annex A workbook for a period, for the operator (the data team's
 * download is /returns/annex-a). The agency is the only children's social care agency with a local
 * authority code unless one is named. A function (hoisted), not a constant: main.ts and this file
 * import each other (as scim-command.ts does).
 */
export function annexACommand(): Command {
  return {
  name: 'annex-a',
  summary: "Write Ofsted's Annex A lists (1–7 from Jigsaw; 2 and 8–11 say what Jigsaw does not hold) for a period as an Excel workbook.",
  usage: 'jigsaw annex-a --from YYYY-MM-DD --to YYYY-MM-DD --out annex-a.xlsx [--agency ID]',
  options: { from: { type: 'string' }, to: { type: 'string' }, out: { type: 'string' }, agency: { type: 'string' } },
  async run(args, config, io) {
    const q = AnnexAQuery.safeParse({ from: args.from, to: args.to });
    if (!q.success) {
      for (const issue of q.error.issues) io.err(`--${String(issue.path[0] ?? '')}: ${issue.message}`);
      return 2;
    }
    if (typeof args.out !== 'string' || !args.out) {
      io.err('--out: name the file to write, e.g. --out annex-a.xlsx');
      return 2;
    }
    const out = args.out;
    return withDatabase(config, async (db) => {
      const named = typeof args.agency === 'string' ? args.agency : undefined;
      const { rows } = await db.query<{ id: string; name: string }>(
        `SELECT id, name FROM agency WHERE type = 'childrens_social_care' AND ($1::text IS NULL OR id::text = $1) AND ($1::text IS NOT NULL OR local_authority_code IS NOT NULL) ORDER BY name`,
        [named ?? null]);
      if (rows.length !== 1) {
        io.err(named
          ? `--agency: no children's social care agency has the id ${named}.`
          : rows.length === 0
            ? "No children's social care agency has a local authority code: set one (the agency's settings), or name the agency with --agency."
            : `${rows.length} children's social care agencies have a local authority code: name one with --agency (${rows.map((r) => `${r.id} ${r.name}`).join('; ')}).`);
        return 2;
      }
      const a = await annexAForOperator({ db, clock: systemClock }, rows[0]!.id, q.data);
      writeFileSync(out, await annexAWorkbook(a));
      const counts = a.lists.filter((l) => !l.note).map((l) => `${l.sheet} ${l.rows.length}`).join(', ');
      io.out(`Wrote ${out} for ${rows[0]!.name}, ${q.data.from} to ${q.data.to}: ${counts}. Lists 2 and 8–11 are not held by Jigsaw.`);
      io.out('The file names children by their identifiers and dates of birth: keep it encrypted and access-restricted.');
      return 0;
    });
  },
  };
}
