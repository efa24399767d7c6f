import { nicknameGroups, normaliseDob, normaliseName, normaliseNhs, normalisePostcode, normaliseSex, normaliseText, phonetic, postcodeParts } from './normalise.ts';

export const FIELDS = ['first_name', 'middle_names', 'last_name', 'date_of_birth', 'sex', 'nhs_number', 'address', 'postcode', 'town'] as const;
export type Field = (typeof FIELDS)[number];

/** A person as the matcher receives it: any field may be missing. */
export interface MatchInput {
  firstName?: string | null | undefined;
  middleNames?: string | null | undefined;
  lastName?: string | null | undefined;
  /** Other names the person is or was known by (aliases, previous surnames). */
  otherNames?: readonly { firstName?: string | null | undefined; lastName?: string | null | undefined }[] | undefined;
  /** YYYY-MM-DD, YYYYMMDD or DD/MM/YYYY. */
  dateOfBirth?: string | null | undefined;
  /** An unborn child's expected date of delivery (it has no date of birth yet). */
  expectedDelivery?: string | null | undefined;
  sex?: string | null | undefined;
  nhsNumber?: string | null | undefined;
  address?: string | null | undefined;
  postcode?: string | null | undefined;
  town?: string | null | undefined;
  /** Full names of recorded parents or holders of parental responsibility. */
  parents?: readonly string[] | undefined;
}

export interface AltName {
  first: string;
  last: string;
}

/** A record normalised once, so that comparing a pair does no string clean-up. */
export class Prepared {
  /** Interned identifiers of the first name and surname (-1: not interned), for caching comparisons. */
  firstId = -1;
  lastId = -1;
  first = '';
  firstDm = '';
  firstDm2 = '';
  firstNick: readonly number[] | null = null;
  middle = '';
  /** The first middle name, compared with the other record's first name. */
  middleFirst = '';
  last = '';
  lastDm = '';
  lastDm2 = '';
  lastParts: readonly string[] | null = null;
  alt: readonly AltName[] | null = null;
  dob = '';
  /** The date of birth with day and month sorted (a day/month swap gives the same value): the date-of-birth blocking keys start with it. */
  dobSorted = '';
  dobY = 0;
  dobM = 0;
  dobD = 0;
  /** An unborn child's expected date of delivery, in days since 1970 (0: none). */
  edd = 0;
  sex: 0 | 1 | 2 = 0;
  nhs = '';
  addr = '';
  addrTokens: readonly string[] | null = null;
  pc = '';
  pcSector = '';
  pcDistrict = '';
  town = '';
  parents: readonly string[] | null = null;
}

/** Gives each distinct first name and surname of a batch a small number. */
export class NameInterner {
  private readonly first = new Map<string, number>();
  private readonly last = new Map<string, number>();
  firstId(name: string): number {
    let id = this.first.get(name);
    if (id === undefined) this.first.set(name, (id = this.first.size));
    return id;
  }
  lastId(name: string): number {
    let id = this.last.get(name);
    if (id === undefined) this.last.set(name, (id = this.last.size));
    return id;
  }
}

/** Days since 1970 of a YYYYMMDD date (NaN-safe: 0 when not a date). */
export function dayNumber(yyyymmdd: string): number {
  const t = Date.UTC(Number(yyyymmdd.slice(0, 4)), Number(yyyymmdd.slice(4, 6)) - 1, Number(yyyymmdd.slice(6, 8)));
  return Number.isFinite(t) ? Math.round(t / 86_400_000) : 0;
}

export function prepare(input: MatchInput, interner?: NameInterner): Prepared {
  const p = new Prepared();
  let first = normaliseName(input.firstName);
  let middle = normaliseName(input.middleNames);
  // "Mary Jane" in one given-names field: the first word is the first name, the rest middle names.
  const space = first.indexOf(' ');
  if (space > 0) {
    if (!middle) middle = first.slice(space + 1);
    first = first.slice(0, space);
  }
  p.first = first;
  [p.firstDm, p.firstDm2] = phonetic(first);
  p.firstNick = first ? nicknameGroups(first) : null;
  p.middle = middle;
  p.middleFirst = middle.split(' ')[0] ?? '';
  const last = normaliseName(input.lastName);
  p.last = last;
  [p.lastDm, p.lastDm2] = phonetic(last.replace(/ /g, ''));
  if (last.includes(' ')) p.lastParts = last.split(' ').filter((x) => x.length > 1);
  if (input.otherNames?.length) {
    const alt = input.otherNames
      .map((n) => ({ first: normaliseName(n.firstName).split(' ')[0] ?? '', last: normaliseName(n.lastName) }))
      .filter((n) => (n.first || n.last) && (n.first !== first || n.last !== last));
    if (alt.length) p.alt = alt;
  }
  const dob = normaliseDob(input.dateOfBirth);
  if (dob) {
    p.dob = dob;
    p.dobY = Number(dob.slice(0, 4));
    p.dobM = Number(dob.slice(4, 6));
    p.dobD = Number(dob.slice(6, 8));
    const dm = dob.slice(4, 6) <= dob.slice(6, 8) ? dob.slice(4) : dob.slice(6, 8) + dob.slice(4, 6);
    p.dobSorted = dob.slice(0, 4) + dm;
  }
  const edd = normaliseDob(input.expectedDelivery);
  if (edd && !dob) p.edd = dayNumber(edd);
  p.sex = normaliseSex(input.sex);
  p.nhs = normaliseNhs(input.nhsNumber);
  p.addr = normaliseText(input.address);
  if (p.addr) p.addrTokens = p.addr.split(' ');
  p.pc = normalisePostcode(input.postcode);
  const parts = postcodeParts(p.pc);
  p.pcSector = parts.sector;
  p.pcDistrict = parts.district;
  p.town = normaliseText(input.town);
  if (interner) {
    p.firstId = interner.firstId(p.first);
    p.lastId = interner.lastId(p.last);
  }
  if (input.parents?.length) p.parents = input.parents.map(normaliseName).filter(Boolean);
  return p;
}
