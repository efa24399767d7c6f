import { existsSync, readFileSync } from 'node:fs';
import { validateXML } from 'xmllint-wasm';
import type { Census, CensusAssessment, CensusChild, CensusCinPlan, CensusProtectionPlan, CensusSection47, CinDetails, Value } from './census.ts';

/**
 * Writes a census as the DfE's XML, element by element in the order the year's XSD sets out
 * (reference/CIN_schema_<year>.xsd), leaving out every element whose value is null. Built by hand
 * rather than through a generic builder because the XSD's order is a sequence the tree's field
 * order does not promise, and because every value is escaped the same way here.
 */

const escape = (v: string): string => v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

class Out {
  private readonly lines: string[] = [];
  private depth = 0;
  open(name: string): void {
    this.lines.push(`${'  '.repeat(this.depth++)}<${name}>`);
  }
  close(name: string): void {
    this.lines.push(`${'  '.repeat(--this.depth)}</${name}>`);
  }
  /** A leaf element; nothing when the value is null (the census's "absent"). */
  leaf(name: string, value: Value | undefined): void {
    if (value === null || value === undefined) return;
    this.lines.push(`${'  '.repeat(this.depth)}<${name}>${escape(value)}</${name}>`);
  }
  block(name: string, fill: () => void): void {
    this.open(name);
    fill();
    this.close(name);
  }
  text(): string {
    return `<?xml version="1.0" encoding="UTF-8"?>\n${this.lines.join('\n')}\n`;
  }
}

function assessment(o: Out, a: CensusAssessment): void {
  o.block('Assessments', () => {
    o.leaf('AssessmentActualStartDate', a.AssessmentActualStartDate);
    o.leaf('AssessmentInternalReviewDate', a.AssessmentInternalReviewDate);
    o.leaf('AssessmentAuthorisationDate', a.AssessmentAuthorisationDate);
    if (a.AssessmentFactors && a.AssessmentFactors.length > 0) {
      o.block('FactorsIdentifiedAtAssessment', () => { for (const f of a.AssessmentFactors!) o.leaf('AssessmentFactors', f); });
    }
  });
}

const cinPlan = (o: Out, p: CensusCinPlan): void => o.block('CINPlanDates', () => {
  o.leaf('CINPlanStartDate', p.CINPlanStartDate);
  o.leaf('CINPlanEndDate', p.CINPlanEndDate);
});

const section47 = (o: Out, s: CensusSection47): void => o.block('Section47', () => {
  o.leaf('S47ActualStartDate', s.S47ActualStartDate);
  o.leaf('InitialCPCtarget', s.InitialCPCtarget);
  o.leaf('DateOfInitialCPC', s.DateOfInitialCPC);
  o.leaf('ICPCnotRequired', s.ICPCnotRequired);
});

const protectionPlan = (o: Out, p: CensusProtectionPlan): void => o.block('ChildProtectionPlans', () => {
  o.leaf('CPPstartDate', p.CPPstartDate);
  o.leaf('CPPendDate', p.CPPendDate);
  o.leaf('InitialCategoryOfAbuse', p.InitialCategoryOfAbuse);
  o.leaf('LatestCategoryOfAbuse', p.LatestCategoryOfAbuse);
  o.leaf('NumberOfPreviousCPP', p.NumberOfPreviousCPP);
  const reviews = p.Reviews.filter((r): r is string => r !== null);
  // One Reviews element holding every review's date: the XSD allows Reviews once per plan.
  if (reviews.length > 0) o.block('Reviews', () => { for (const r of reviews) o.leaf('CPPreviewDate', r); });
});

function cinDetails(o: Out, d: CinDetails): void {
  o.block('CINdetails', () => {
    o.leaf('CINreferralDate', d.CINreferralDate);
    o.leaf('ReferralSource', d.ReferralSource);
    o.leaf('PrimaryNeedCode', d.PrimaryNeedCode);
    o.leaf('CINclosureDate', d.CINclosureDate);
    o.leaf('ReasonForClosure', d.ReasonForClosure);
    o.leaf('DateOfInitialCPC', d.DateOfInitialCPC);
    for (const a of d.Assessments) assessment(o, a);
    for (const p of d.CINPlanDates) cinPlan(o, p);
    for (const s of d.Section47) section47(o, s);
    o.leaf('ReferralNFA', d.ReferralNFA);
    for (const p of d.ChildProtectionPlans) protectionPlan(o, p);
  });
}

function child(o: Out, c: CensusChild, year: number): void {
  const i = c.ChildIdentifiers;
  o.block('Child', () => {
    o.block('ChildIdentifiers', () => {
      o.leaf('LAchildID', i.LAchildID);
      o.leaf('UPN', i.UPN);
      o.leaf('FormerUPN', i.FormerUPN);
      o.leaf('UPNunknown', i.UPNunknown);
      o.leaf('PersonBirthDate', i.PersonBirthDate);
      o.leaf('ExpectedPersonBirthDate', i.ExpectedPersonBirthDate);
      // 2023–24 and before said GenderCurrent (1, 2, 0/9); from 2024–25 Sex (M, F, U).
      if (year <= 2024) o.leaf('GenderCurrent', i.GenderCurrent ?? ({ M: '1', F: '2', U: '0' } as Record<string, string>)[i.Sex ?? ''] ?? null);
      else o.leaf('Sex', i.Sex);
      o.leaf('PersonDeathDate', i.PersonDeathDate);
    });
    o.block('ChildCharacteristics', () => {
      o.leaf('Ethnicity', c.Ethnicity);
      if (c.Disabilities && c.Disabilities.length > 0) o.block('Disabilities', () => { for (const d of c.Disabilities!) o.leaf('Disability', d); });
    });
    for (const d of c.CINdetails) cinDetails(o, d);
  });
}

/** The census as the XML of the year's XSD (2026: the 2025–26 collection). */
export function writeCensusXml(census: Census, year: number): string {
  const o = new Out();
  const h = census.Header;
  o.block('Message', () => {
    o.block('Header', () => {
      o.block('CollectionDetails', () => {
        o.leaf('Collection', h.Collection);
        o.leaf('Year', h.Year);
        o.leaf('ReferenceDate', h.ReferenceDate);
      });
      o.block('Source', () => {
        for (const f of ['SourceLevel', 'LEA', 'SoftwareCode', 'Release', 'SerialNo', 'DateTime'] as const) o.leaf(f, h[f]);
      });
    });
    o.block('Children', () => { for (const c of census.Children) child(o, c, year); });
  });
  return o.text();
}

/** The XSD years Jigsaw carries; a later year is checked against the newest. */
export function schemaYear(year: number): number {
  for (let y = year; y >= 2024; y--) if (existsSync(new URL(`./reference/CIN_schema_${y}.xsd`, import.meta.url))) return y;
  return 2024;
}

export interface SchemaProblem {
  line: number | null;
  message: string;
}

/**
 * Checks a census file against the year's XSD with libxml2 (xmllint-wasm). The messages are
 * libxml2's, which name the element and the expected one; they carry the file's values (a code or
 * a date), never a name, since the census holds none.
 */
export async function checkCensusXml(xml: string, year: number): Promise<{ valid: boolean; schemaYear: number; problems: SchemaProblem[] }> {
  const y = schemaYear(year);
  const schema = readFileSync(new URL(`./reference/CIN_schema_${y}.xsd`, import.meta.url), 'utf8');
  const result = await validateXML({
    xml: [{ fileName: 'census.xml', contents: xml }],
    schema: [{ fileName: `CIN_schema_${y}.xsd`, contents: schema }],
    // A whole authority's census is a few megabytes; the default 16 MiB is too tight for libxml2's tree.
    initialMemoryPages: 1024,
    maxMemoryPages: 16384,
  });
  return { valid: result.valid, schemaYear: y, problems: result.errors.map((e) => ({ line: e.loc?.lineNumber ?? null, message: e.message.replace(/^Schemas validity error : /, '').trim() })) };
}
