import { XMLParser, XMLValidator } from 'fast-xml-parser';
import {
  ASSESSMENT_FIELDS, CIN_DETAILS_FIELDS, CIN_PLAN_FIELDS, IDENTIFIER_FIELDS, PROTECTION_PLAN_FIELDS, SECTION_47_FIELDS,
  type Census, type CensusChild, type CinDetails, type Value,
} from './census.ts';

/** A census file that is not XML at all (as opposed to XML that breaks the census's rules). */
export class CensusFileError extends Error {
  constructor(message: string, readonly line?: number) {
    super(message);
  }
}

/** Elements that may repeat, wherever they are: read as lists even when there is only one. */
const REPEATING = new Set(['Child', 'CINdetails', 'Assessments', 'CINPlanDates', 'Section47', 'ChildProtectionPlans', 'Reviews', 'CPPreviewDate', 'Disability', 'AssessmentFactors']);

const parser = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  parseTagValue: false,
  trimValues: true,
  // No entity expansion beyond XML's five: a census file has no business defining its own.
  processEntities: true,
  htmlEntities: false,
  isArray: (name) => REPEATING.has(name),
});

type Node = Record<string, unknown>;

const asNode = (v: unknown): Node | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Node) : undefined);
const list = (v: unknown): Node[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]).map((x) => asNode(x) ?? {});

/** An element's text as the census validator reads it: absent or empty is null; an element with children has no text of its own. */
function text(node: Node | undefined, name: string): Value {
  const v = node?.[name];
  const first: unknown = Array.isArray(v) ? (v as unknown[])[0] : v;
  if (typeof first === 'string') return first === '' ? null : first;
  if (typeof first === 'number' || typeof first === 'boolean') return String(first);
  const inner = asNode(first)?.['#text'];
  return typeof inner === 'string' && inner !== '' ? inner : null;
}

function pick<K extends string>(node: Node | undefined, fields: readonly K[]): Record<K, Value> {
  return Object.fromEntries(fields.map((f) => [f, text(node, f)])) as Record<K, Value>;
}

/** A repeated leaf element's text ('' when it has none). */
function leafText(x: unknown): string {
  if (typeof x === 'string') return x;
  if (typeof x === 'number') return String(x);
  const inner = asNode(x)?.['#text'];
  return typeof inner === 'string' ? inner : '';
}

/** The texts of a list of repeated leaf elements (Disability, AssessmentFactors), null when none. */
function codes(container: unknown, name: string): string[] | null {
  const node = asNode(Array.isArray(container) ? container[0] : container);
  if (!node) return null;
  const raw = node[name];
  const values = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw])
    .map((x) => leafText(x))
    .filter((x) => x !== '');
  return values.length > 0 ? values : null;
}

function cinDetails(node: Node): CinDetails {
  return {
    ...pick(node, CIN_DETAILS_FIELDS),
    Assessments: list(node.Assessments).map((a) => ({ ...pick(a, ASSESSMENT_FIELDS), AssessmentFactors: codes(a.FactorsIdentifiedAtAssessment, 'AssessmentFactors') })),
    CINPlanDates: list(node.CINPlanDates).map((p) => pick(p, CIN_PLAN_FIELDS)),
    Section47: list(node.Section47).map((s) => pick(s, SECTION_47_FIELDS)),
    ChildProtectionPlans: list(node.ChildProtectionPlans).map((p) => ({
      ...pick(p, PROTECTION_PLAN_FIELDS),
      Reviews: list(p.Reviews).flatMap((r) => codes(r, 'CPPreviewDate') ?? []),
      ReviewsAsValidatorReads: list(p.Reviews).map((r) => text(r, 'CPPreviewDate')),
    })),
  };
}

function child(node: Node): CensusChild {
  const characteristics = asNode(node.ChildCharacteristics);
  return {
    ChildIdentifiers: pick(asNode(node.ChildIdentifiers), IDENTIFIER_FIELDS),
    Ethnicity: text(characteristics, 'Ethnicity'),
    Disabilities: codes(characteristics?.Disabilities, 'Disability'),
    CINdetails: list(node.CINdetails).map(cinDetails),
  };
}

/**
 * Reads a census file. Anything that is well-formed XML with a Message element is read, however
 * wrong its contents (that is the validator's business); a file that is not XML is a CensusFileError.
 */
export function readCensusXml(xml: string): Census {
  const check = XMLValidator.validate(xml);
  if (check !== true) throw new CensusFileError(`This is not well-formed XML: ${check.err.msg} (line ${check.err.line})`, check.err.line);
  const doc = parser.parse(xml) as Node;
  const message = asNode(doc.Message);
  if (!message) throw new CensusFileError('This is not a census file: it has no Message element');
  const header = asNode(message.Header);
  return {
    Header: { ...pick(asNode(header?.CollectionDetails), ['Collection', 'Year', 'ReferenceDate']), ...pick(asNode(header?.Source), ['SourceLevel', 'LEA', 'SoftwareCode', 'Release', 'SerialNo', 'DateTime']) },
    Children: list(asNode(message.Children)?.Child).map(child),
  };
}

