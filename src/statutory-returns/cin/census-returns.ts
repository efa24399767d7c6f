import { z } from 'zod';
import { decideAgency } from '../../access/policy.ts';
import { audit, command, refuse } from '../../audit/audit.ts';
import type { ActorContext } from '../../shared/context.ts';
import { conflict, forbidden } from '../../shared/errors.ts';
import { censusOfAgency, type AgencyCensus } from './census-from-episodes.ts';
import { checkCensusXml, writeCensusXml, type SchemaProblem } from './census-xml-write.ts';
import { reportCsv, validateCensus, type ReportLine } from './validation/engine.ts';
import { CENSUS_RULES } from './validation/rules/index.ts';
import { censusTables, type CensusTables } from './validation/tables.ts';

/**
 * The data team's Children in Need census (issue 20, items 2 and 3): the census of their own
 * authority as XML, the validation report as CSV, and the same findings by child with a link to
 * where each is put right. The data team and managers of children's social care only; every read
 * is audited with counts, never a child.
 */

export const CensusYearQuery = z.strictObject({
  year: z.coerce.number({ error: 'Give the census year as a number, such as 2026' })
    .int('Give the census year as a whole number, such as 2026')
    .min(2024, 'Jigsaw writes the census from 2024 (the 2023–24 collection) on')
    .max(2100, 'Give a census year no later than 2100')
    .meta({ description: 'The census year: 2026 is the 2025–26 collection, 1 April 2025 to the reference date 31 March 2026.' }),
});

/** The collection year a day falls in: 1 April 2025 … 31 March 2026 is 2026. */
export const currentCensusYear = (now: Date): number => (now.getUTCMonth() >= 3 ? now.getUTCFullYear() + 1 : now.getUTCFullYear());

export type ReturnFormat = 'xml' | 'csv' | 'problems';

/** Builds the caller's authority's census, checked and audited; `fn` shapes what is returned. */
async function withCensus<T>(ctx: ActorContext, year: number, format: ReturnFormat, fn: (c: AgencyCensus) => T | Promise<T>): Promise<T> {
  return command(ctx, async (tx) => {
    const agencyId = ctx.actor.agencyId;
    const action = `returns.cin.${format}`;
    const decision = decideAgency(ctx.actor, 'prepare-returns', agencyId);
    if (!decision.allowed) throw refuse('census', { action, entityType: 'agency', entityId: agencyId }, forbidden("Only the data team and managers of children's social care prepare the census."));
    const type = (await tx.query<{ type: string }>('SELECT type FROM agency WHERE id = $1', [agencyId])).rows[0]?.type;
    if (type !== 'childrens_social_care') throw refuse('census', { action, entityType: 'agency', entityId: agencyId }, forbidden("Only children's social care makes the Children in Need census."));
    const built = await censusOfAgency(tx, agencyId, year, ctx.clock.now());
    const result = await fn(built);
    await audit(ctx, tx, { action, outcome: 'success', entityType: 'agency', entityId: agencyId, detail: { year, children: built.census.Children.length } });
    return result;
  });
}

const noCode = (): never => {
  throw conflict("Your authority has no local authority code: an administrator records its three-digit code on the agency's page before the census can be made.");
};

/** The census XML; refused (409, naming each element the XSD rejects) unless it is valid. */
export async function censusXml(ctx: ActorContext, year: number): Promise<string> {
  const { xml, schema } = await withCensus(ctx, year, 'xml', async (c) => {
    if (!c.localAuthorityCode) noCode();
    const text = writeCensusXml(c.census, year);
    return { xml: text, schema: await checkCensusXml(text, year) };
  });
  if (!schema.valid) throw conflict(`The census would not pass the DfE's schema: ${schemaSummary(schema.problems)}. Put these right (the census check lists them by child) and download it again.`);
  return xml;
}

export const schemaSummary = (problems: readonly SchemaProblem[]): string =>
  problems.slice(0, 5).map((p) => `${p.line ? `line ${p.line}: ` : ''}${p.message.replace(/\.$/, '')}`).join('; ') + (problems.length > 5 ? ` and ${problems.length - 5} more` : '');

/** The validation report (the open-source validator's user_report.csv columns). */
export async function censusReportCsv(ctx: ActorContext, year: number): Promise<string> {
  return withCensus(ctx, year, 'csv', (c) => reportCsv(validateCensus(c.census, { rules: CENSUS_RULES })));
}

/** Where on Jigsaw's pages each census item is recorded (census-items' pages). */
const PERSON_FIELDS: Readonly<Record<string, string>> = {
  Ethnicity: 'ethnicity', Disability: 'disabilities', UPN: 'upn', FormerUPN: 'former-upn', UPNunknown: 'upn-unknown', LAchildID: 'la-child-id', PersonDeathDate: 'date-of-death',
};
const EPISODE_FIELDS: Readonly<Record<string, string>> = { ReferralSource: 'referral-source', PrimaryNeedCode: 'primary-need', ReasonForClosure: 'closure-reason' };

export interface CensusProblem {
  ruleCode: string;
  type: 'ERROR' | 'QUERY';
  message: string;
  item: string;
  value: string | null;
  href: string | null;
}
export interface ChildProblems {
  name: string;
  laChildId: string;
  personId: string;
  problems: CensusProblem[];
}
export interface CensusCheck {
  year: number;
  agencyName: string;
  localAuthorityCode: string | null;
  children: number;
  errors: number;
  queries: number;
  /** Findings about the census as a whole (its header). */
  censusProblems: CensusProblem[];
  byChild: ChildProblems[];
  schemaProblems: SchemaProblem[];
}

/** Each census's children by LAchildID (the first of any duplicates, as the report names them), built once per check. */
const childIndex = new WeakMap<AgencyCensus, Map<string | null, number>>();

/** The link that puts a finding right: the census item's field on the child's or the episode's census page. */
export function fixLink(line: ReportLine, tables: CensusTables, c: AgencyCensus): string | null {
  if (line.tables_affected === 'Header') return null;
  let index = childIndex.get(c);
  if (!index) childIndex.set(c, (index = new Map(c.census.Children.map((x, i): [string | null, number] => [x.ChildIdentifiers.LAchildID, i]).reverse())));
  const child = c.sources.children[index.get(line.LAchildID) ?? -1];
  if (!child) return null;
  const column = line.columns_affected;
  // The child's own items are fixed on the child; a rule that points at the LAchildID of an episode's
  // part (an enquiry with no assessment, say) is about the episode.
  const onChild = ['ChildIdentifiers', 'ChildCharacteristics', 'Disabilities'].includes(line.tables_affected);
  if (PERSON_FIELDS[column] && (onChild || column !== 'LAchildID')) return `/people/${child.personId}/census#${PERSON_FIELDS[column]}`;
  const row = (tables[line.tables_affected] as unknown as Record<string, unknown>[])[line.ROW_ID];
  const cinId = typeof row?.CINdetailsID === 'number' ? row.CINdetailsID : null;
  const episode = cinId ? child.episodes[cinId - 1] : undefined;
  // The census pages, not the casework ones: the data officer reads the census items and nothing else.
  if (!episode) return `/people/${child.personId}/census`;
  if (EPISODE_FIELDS[column]) return `/episodes/${episode.id}/census#${EPISODE_FIELDS[column]}`;
  if (line.tables_affected === 'Assessments' && (column === 'AssessmentFactors' || column === 'AssessmentInternalReviewDate')) {
    const seq = episode.assessmentSeqs[typeof row?.AssessmentID === 'number' ? row.AssessmentID - 1 : -1];
    if (seq) return `/episodes/${episode.id}/census#assessment-${seq}-factors`;
  }
  return `/episodes/${episode.id}/census`;
}

/** The live check: the census the authority would send now, through the same rules and the XSD, by child. */
export async function censusCheck(ctx: ActorContext, year: number): Promise<CensusCheck> {
  return withCensus(ctx, year, 'problems', async (c) => {
    const lines = validateCensus(c.census, { rules: CENSUS_RULES });
    const tables = censusTables(c.census);
    const schema = c.census.Children.length > 0 && c.localAuthorityCode ? await checkCensusXml(writeCensusXml(c.census, year), year) : { problems: [] };
    const problem = (l: ReportLine): CensusProblem => ({
      ruleCode: l.rule_code, type: l.rule_type, message: l.rule_description, item: l.columns_affected, value: l.value_flagged, href: fixLink(l, tables, c),
    });
    const byChild = new Map<string, ChildProblems>();
    c.census.Children.forEach((child, i) => {
      const id = child.ChildIdentifiers.LAchildID ?? '';
      if (!byChild.has(id)) byChild.set(id, { name: c.sources.children[i]!.name, laChildId: id, personId: c.sources.children[i]!.personId, problems: [] });
    });
    const censusProblems: CensusProblem[] = [];
    for (const l of lines) {
      const target = l.LAchildID === null ? undefined : byChild.get(l.LAchildID);
      (target ? target.problems : censusProblems).push(problem(l));
    }
    return {
      year, agencyName: c.agencyName, localAuthorityCode: c.localAuthorityCode, children: c.census.Children.length,
      errors: lines.filter((l) => l.rule_type === 'ERROR').length, queries: lines.filter((l) => l.rule_type === 'QUERY').length,
      censusProblems, byChild: [...byChild.values()].filter((b) => b.problems.length > 0), schemaProblems: schema.problems,
    };
  });
}
