import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { auditSystem } from '../audit/audit.ts';
import type { Database } from '../db/database.ts';
import { systemClock } from '../shared/clock.ts';
import { censusOfAgency } from '../statutory-returns/cin/census-from-episodes.ts';
import { CensusFileError, readCensusXml } from '../statutory-returns/cin/census-xml-read.ts';
import { currentCensusYear } from '../statutory-returns/cin/census-returns.ts';
import { checkCensusXml, writeCensusXml } from '../statutory-returns/cin/census-xml-write.ts';
import { reportCsv, RULESET_YEAR, validateCensus } from '../statutory-returns/cin/validation/engine.ts';
import { CENSUS_RULES } from '../statutory-returns/cin/validation/rules/index.ts';
import { withDatabase, type Command, type Io } from './main.ts';

/** A census year from the command line, or an explanation of what is wrong with it. */
function yearOf(value: string | boolean | string[] | undefined, fallback: number): number | string {
  if (value === undefined) return fallback;
  const y = Number(value);
  return Number.isInteger(y) && y >= 2024 && y <= 2100 ? y : `--year must be a census year such as 2026 (the 2025–26 collection), not "${Array.isArray(value) ? value.join(' ') : String(value)}"`;
}

/** The agency to export: the one named, or the only children's social care agency with a local authority code. */
async function exportingAgency(db: Database, given: string | undefined, io: Io): Promise<string | undefined> {
  const { rows } = await db.query<{ id: string; name: string; type: string; local_authority_code: string | null }>(
    "SELECT id, name, type, local_authority_code FROM agency WHERE type = 'childrens_social_care' ORDER BY name");
  if (given) {
    const a = rows.find((r) => r.id === given);
    if (!a) io.err(`No children's social care agency has the id ${given} (\`jigsaw agency list\` shows them).`);
    else if (!a.local_authority_code) io.err(`${a.name} has no local authority code: add it with the administration pages, or \`jigsaw agency add … --la-code NNN\` for a new agency.`);
    return a?.local_authority_code ? a.id : undefined;
  }
  const coded = rows.filter((r) => r.local_authority_code);
  if (coded.length === 1) return coded[0]!.id;
  io.err(coded.length === 0
    ? "No children's social care agency has a local authority code: record the authority's three-digit code first."
    : `Several authorities have a local authority code (${coded.map((r) => `${r.name}: ${r.id}`).join('; ')}): choose one with --agency.`);
  return undefined;
}

const EXPORT_USAGE = 'jigsaw cin export --year 2026 --out census.xml [--agency ID] [--force]\n  --year: the census year (2026: 1 April 2025 to 31 March 2026; default the current one)\n  --agency: the children\'s social care agency (default: the only one with a local authority code)\n  --force: write the file even when the XSD rejects it';
const VALIDATE_USAGE = "jigsaw cin validate census.xml --out report.csv\n  Runs the DfE's 2025–26 rules (the census year is the file's own ReferenceDate) and writes one line per finding in the columns of the open-source validator's user_report.csv; findings about the return as a whole are printed, as that report leaves them out. Exit 0 even with findings; 2 when the file cannot be read.";

/**
 * A function (hoisted), not constants: main.ts and this file import each other, and whichever is
 * loaded first must find the other's exports callable.
 */
export function censusCommands(): Command[] {
  return [exportCommand(), validateCommand()];
}

function exportCommand(): Command {
  return {
  name: 'cin export',
  summary: "Write the authority's Children in Need census (the DfE's XML) for a collection year, checked against the year's XSD.",
  usage: EXPORT_USAGE,
  options: { year: { type: 'string' }, out: { type: 'string' }, agency: { type: 'string' }, force: { type: 'boolean' } },
  async run(args, config, io) {
    const year = yearOf(args.year, currentCensusYear(systemClock.now()));
    if (typeof year === 'string') { io.err(year); return 2; }
    if (typeof args.out !== 'string') { io.err(`--out is required.\nUsage: ${EXPORT_USAGE}`); return 2; }
    const out = resolve(args.out);
    return withDatabase(config, async (db) => {
      const agencyId = await exportingAgency(db, typeof args.agency === 'string' ? args.agency : undefined, io);
      if (!agencyId) return 1;
      const s = { db, clock: systemClock };
      const built = await db.transaction(async (tx) => {
        const c = await censusOfAgency(tx, agencyId, year, s.clock.now());
        await auditSystem(s, tx, { action: 'returns.cin.export', outcome: 'success', entityType: 'agency', entityId: agencyId, detail: { year, children: c.census.Children.length, via: 'cli' } });
        return c;
      });
      const xml = writeCensusXml(built.census, year);
      const schema = await checkCensusXml(xml, year);
      if (!schema.valid) {
        io.err(`The census does not pass CIN_schema_${schema.schemaYear}.xsd:`);
        for (const p of schema.problems.slice(0, 50)) io.err(`  ${p.line ? `line ${p.line}: ` : ''}${p.message}`);
        if (schema.problems.length > 50) io.err(`  … and ${schema.problems.length - 50} more`);
        if (!args.force) {
          io.err('Nothing written. Put these right (the census page lists them by child), or use --force to write it anyway.');
          return 1;
        }
      }
      await writeFile(out, xml, { mode: 0o600 });
      io.out(`Wrote the ${year} census of ${built.agencyName} (LEA ${built.localAuthorityCode}): ${built.census.Children.length} children, ${built.census.Children.reduce((n, c) => n + c.CINdetails.length, 0)} episodes, to ${out}${schema.valid ? `; valid against CIN_schema_${schema.schemaYear}.xsd` : ' (NOT valid against the XSD: written because of --force)'}.`);
      return 0;
    });
  },
  };
}

function validateCommand(): Command {
  return {
  name: 'cin validate',
  summary: "Run the DfE's Children in Need validation rules over a census file and write the findings as CSV.",
  usage: VALIDATE_USAGE,
  options: { out: { type: 'string' } },
  allowPositionals: true,
  async run(args, _config, io, { positionals }) {
    if (positionals.length !== 1 || typeof args.out !== 'string') { io.err(`Give one census file and --out.\nUsage: ${VALIDATE_USAGE}`); return 2; }
    let text: string;
    try {
      text = await readFile(resolve(positionals[0]!), 'utf8');
    } catch (err) {
      io.err(`Cannot read ${positionals[0]}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      return 2;
    }
    let census;
    try {
      census = readCensusXml(text);
    } catch (err) {
      if (err instanceof CensusFileError) {
        io.err(`${positionals[0]}${err.line ? ` (line ${err.line})` : ''}: ${err.message}`);
        return 2;
      }
      throw err;
    }
    const lines = validateCensus(census, { rules: CENSUS_RULES });
    await writeFile(resolve(args.out), reportCsv(lines));
    const errors = lines.filter((l) => l.rule_type === 'ERROR').length;
    const children = new Set(lines.map((l) => l.LAchildID).filter((x) => x !== null)).size;
    io.out(`${census.Children.length} children checked against the DfE's ${RULESET_YEAR - 1}–${String(RULESET_YEAR).slice(2)} rules: ${errors} error${errors === 1 ? '' : 's'} and ${lines.length - errors} quer${lines.length - errors === 1 ? 'y' : 'ies'}${children ? ` for ${children} child${children === 1 ? '' : 'ren'}` : ''}. Report written to ${resolve(args.out)}.`);
    for (const l of lines.filter((x) => x.authorityLevel)) io.out(`About the return as a whole (not in the report): ${l.rule_code} ${l.rule_type === 'ERROR' ? 'error' : 'query'}: ${l.rule_description}`);
    return 0;
  },
  };
}
