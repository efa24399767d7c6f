import { jaroWinkler } from './jaro-winkler.ts';
import { sameNicknameGroup } from './normalise.ts';
import { dayNumber, type Prepared } from './record.ts';

/**
 * Comparison levels per field, strongest first. Level 0 is always "missing on one side" (no
 * evidence either way) and the last level is "different". A pair takes the first level whose
 * test it passes; the model learns how much each level says.
 */
export interface Comparison {
  field: string;
  /** Level names, as saved in the model. */
  levels: readonly string[];
  /** The level index of a pair (0 = missing). */
  compare(a: Prepared, b: Prepared): number;
  /** Words for the explanation of a pair at this level. */
  describe(a: Prepared, b: Prepared, level: number): string;
}

/** Two strings one insertion, deletion or substitution apart (Conor and Connor, Reed and Reid). */
export function withinOneEdit(a: string, b: string): boolean {
  if (a === b) return true;
  if (Math.abs(a.length - b.length) > 1) return false;
  const [s, l] = a.length <= b.length ? [a, b] : [b, a];
  let i = 0;
  while (i < s.length && s.charCodeAt(i) === l.charCodeAt(i)) i++;
  // Past the first difference, the rest must agree after skipping one letter of the longer (or one of each).
  return s.length === l.length ? s.slice(i + 1) === l.slice(i + 1) : s.slice(i) === l.slice(i + 1);
}

/**
 * How two different spellings of a name compare, in words a practitioner can check without a
 * similarity score ("Jaro–Winkler 0.96" means nothing to them) and without quoting either name.
 */
function spelling(what: string, a: string, b: string, sounds: boolean): string {
  if (withinOneEdit(a, b)) return `${what} nearly the same (one letter different)${sounds ? ', sounds the same' : ''}`;
  if (adjacentTransposition(a, b)) return `${what} nearly the same (two letters swapped)`;
  return sounds ? `${what} sounds the same` : `${what} spelt similarly`;
}

const phoneticMatch = (a1: string, a2: string, b1: string, b2: string): boolean =>
  a1 !== '' && (a1 === b1 || a1 === b2 || (a2 !== '' && (a2 === b1 || a2 === b2)));

/** First and last names the wrong way round (a form filled in the wrong order). */
export const namesSwapped = (a: Prepared, b: Prepared): boolean =>
  a.first !== '' && a.last !== '' && a.first !== a.last && a.first === b.last && a.last === b.first;

/** Two strings of equal length differing in exactly one position. */
export function oneDifferent(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) if (a.charCodeAt(i) !== b.charCodeAt(i) && ++diff > 1) return false;
  return diff === 1;
}

/** Two neighbouring characters swapped (20211203 for 20212103). Allocation-free: it runs on millions of pairs. */
export function adjacentTransposition(a: string, b: string): boolean {
  const n = a.length;
  if (n !== b.length) return false;
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  if (i >= n - 1) return false;
  if (a.charCodeAt(i) !== b.charCodeAt(i + 1) || a.charCodeAt(i + 1) !== b.charCodeAt(i)) return false;
  for (let k = i + 2; k < n; k++) if (a.charCodeAt(k) !== b.charCodeAt(k)) return false;
  return true;
}

/**
 * The part of a name comparison that depends on the two names alone (so it can be cached per
 * pair of distinct names): 1 exact, 2 nickname, 3 JW ≥ 0.92, 4 JW ≥ 0.85 or sounds alike, 6 other.
 */
export function pureFirstLevel(a: Prepared, b: Prepared): number {
  const af = a.first;
  const bf = b.first;
  if (af === bf) return 1;
  if (sameNicknameGroup(a.firstNick, b.firstNick)) return 2;
  const s = jaroWinkler(af, bf);
  if (s >= 0.92) return 3;
  if (s >= 0.85 || phoneticMatch(a.firstDm, a.firstDm2, b.firstDm, b.firstDm2)) return 4;
  return 6;
}

/** The rest of the first-name comparison, given the pure level. */
export function firstNameLevel(a: Prepared, b: Prepared, pure: number): number {
  if (namesSwapped(a, b)) return 0; // the surname comparison counts the swap once
  if (pure !== 6) return pure;
  // One record has only an initial, or uses the other's middle name as their first name.
  if ((a.first.length === 1 || b.first.length === 1) && a.first[0] === b.first[0]) return 5;
  if ((a.middleFirst !== '' && a.middleFirst === b.first) || (b.middleFirst !== '' && b.middleFirst === a.first)) return 5;
  if (a.alt || b.alt) {
    for (const x of [{ first: a.first, last: a.last }, ...(a.alt ?? [])]) {
      for (const y of [{ first: b.first, last: b.last }, ...(b.alt ?? [])]) {
        if (x.first && x.first === y.first) return 5;
      }
    }
  }
  return 6;
}

export const FIRST_NAME: Comparison = {
  field: 'first_name',
  levels: ['missing', 'exact', 'nickname', 'jaro_winkler_0.92', 'jaro_winkler_0.85_or_phonetic', 'initial_or_middle_name', 'different'],
  compare(a, b) {
    if (a.first === '' || b.first === '') return 0;
    return firstNameLevel(a, b, pureFirstLevel(a, b));
  },
  describe(a, b, level) {
    switch (level) {
      case 1: return 'same first name';
      case 2: return 'first names are a name and its nickname';
      case 3: case 4: return spelling('first name', a.first, b.first, phoneticMatch(a.firstDm, a.firstDm2, b.firstDm, b.firstDm2));
      case 5: return 'first name matches an initial, middle name or other name';
      default: return 'different first name';
    }
  },
};

/** Surname levels that depend on the two surnames alone: 1 exact, 3 JW ≥ 0.92, 4 part of a double-barrelled name, 5 JW ≥ 0.8 or sounds alike, 6 other. */
export function pureLastLevel(a: Prepared, b: Prepared): number {
  if (a.last === b.last) return 1;
  const s = jaroWinkler(a.last, b.last);
  if (s >= 0.92) return 3;
  // Double-barrelled or hyphenated surname against one of its parts.
  if ((a.lastParts && a.lastParts.includes(b.last)) || (b.lastParts && b.lastParts.includes(a.last))) return 4;
  if (a.lastParts && b.lastParts && a.lastParts.some((x) => b.lastParts!.includes(x))) return 4;
  if (s >= 0.8 || phoneticMatch(a.lastDm, a.lastDm2, b.lastDm, b.lastDm2)) return 5;
  return 6;
}

export function lastNameLevel(a: Prepared, b: Prepared, pure: number): number {
  if (pure === 1) return 1;
  if (namesSwapped(a, b)) return 2;
  if (pure === 3 || pure === 4) return pure;
  // A changed surname recorded as a previous name or alias on either side.
  if (a.alt || b.alt) {
    const la = [a.last, ...(a.alt ?? []).map((n) => n.last)];
    const lb = [b.last, ...(b.alt ?? []).map((n) => n.last)];
    if (la.some((x) => x !== '' && lb.includes(x))) return 4;
  }
  return pure;
}

export const LAST_NAME: Comparison = {
  field: 'last_name',
  levels: ['missing', 'exact', 'first_and_last_swapped', 'jaro_winkler_0.92', 'hyphenated_part_or_other_name', 'jaro_winkler_0.80_or_phonetic', 'different'],
  compare(a, b) {
    if (a.last === '' || b.last === '') return 0;
    return lastNameLevel(a, b, pureLastLevel(a, b));
  },
  describe(a, b, level) {
    switch (level) {
      case 1: return 'same surname';
      case 2: return 'first name and surname swapped';
      case 3: case 5: return spelling('surname', a.last, b.last, phoneticMatch(a.lastDm, a.lastDm2, b.lastDm, b.lastDm2));
      case 4: return 'surname matches part of a double-barrelled surname or another recorded surname';
      default: return 'different surname';
    }
  },
};

export const MIDDLE_NAMES: Comparison = {
  field: 'middle_names',
  levels: ['missing', 'exact', 'initial', 'jaro_winkler_0.88', 'different'],
  compare(a, b) {
    if (a.middle === '' || b.middle === '') return 0;
    if (a.middle === b.middle) return 1;
    if ((a.middle.length === 1 || b.middle.length === 1) && a.middle[0] === b.middle[0]) return 2;
    if (jaroWinkler(a.middle, b.middle) >= 0.88) return 3;
    return 4;
  },
  describe(a, b, level) {
    return level === 3 ? spelling('middle names', a.middle, b.middle, false) : ['', 'same middle names', 'middle initial agrees', '', 'different middle names'][level] ?? 'different middle names';
  },
};

/**
 * An unborn child's expected date of delivery against a date of birth (or another expected date):
 * most babies are born within a fortnight or two of it. Within four weeks counts as the "one digit
 * different" level (about as likely among strangers: some 56 days in 33,000); with a recorded parent
 * in common, as the same date of birth (among one mother's children only twins come that close);
 * further apart, as a different date. The model needs no new level or retraining.
 */
const EDD_LEVEL = 3;
const EDD_DAYS = 28;
function expectedDelivery(a: Prepared, b: Prepared): number {
  if (!a.edd && !b.edd) return 0;
  const x = a.edd || (a.dob ? dayNumber(a.dob) : 0);
  const y = b.edd || (b.dob ? dayNumber(b.dob) : 0);
  if (!x || !y) return 0;
  if (Math.abs(x - y) > EDD_DAYS) return 5;
  // Among one mother's children only twins are born that close together: as telling as a shared birthday there.
  return PARENTS.compare(a, b) === 1 ? 1 : EDD_LEVEL;
}

export const DATE_OF_BIRTH: Comparison = {
  field: 'date_of_birth',
  levels: ['missing', 'exact', 'day_month_swapped', 'one_digit_different', 'year_off_by_one_or_ten_or_transposed', 'different'],
  compare(a, b) {
    if (a.dob === '' || b.dob === '') return expectedDelivery(a, b);
    if (a.dob === b.dob) return 1;
    if (a.dobY === b.dobY && a.dobD === b.dobM && a.dobM === b.dobD) return 2;
    if (oneDifferent(a.dob, b.dob)) return 3;
    if (a.dobM === b.dobM && a.dobD === b.dobD) {
      const dy = Math.abs(a.dobY - b.dobY);
      if (dy === 1 || dy === 10) return 4;
    }
    if (adjacentTransposition(a.dob, b.dob)) return 4;
    return 5;
  },
  describe(a, b, level) {
    if (a.dob === '' || b.dob === '') return level === EDD_LEVEL || level === 1 ? `${a.edd && b.edd ? 'expected dates of delivery' : 'born'} within four weeks of the expected date of delivery` : 'different date of birth';
    if (level === 4) {
      const dy = Math.abs(a.dobY - b.dobY);
      if (a.dobM === b.dobM && a.dobD === b.dobD && (dy === 1 || dy === 10)) return `date of birth ${dy === 1 ? 'a year' : 'ten years'} apart, same day and month`;
      return 'date of birth with two neighbouring digits swapped';
    }
    return ['', 'same date of birth', 'same date of birth with day and month swapped', 'date of birth one digit different', '', 'different date of birth'][level] ?? 'different date of birth';
  },
};

export const SEX: Comparison = {
  field: 'sex',
  levels: ['missing', 'same', 'different'],
  compare: (a, b) => (a.sex === 0 || b.sex === 0 ? 0 : a.sex === b.sex ? 1 : 2),
  describe: (_a, _b, level) => (level === 1 ? 'same sex' : 'different sex'),
};

export const NHS_NUMBER: Comparison = {
  field: 'nhs_number',
  levels: ['missing', 'exact', 'one_digit_or_transposition', 'different'],
  compare(a, b) {
    if (a.nhs === '' || b.nhs === '') return 0;
    if (a.nhs === b.nhs) return 1;
    if (oneDifferent(a.nhs, b.nhs) || adjacentTransposition(a.nhs, b.nhs)) return 2;
    return 3;
  },
  describe: (_a, _b, level) => ['', 'same NHS number', 'NHS number one digit different or two digits transposed', 'different NHS number'][level] ?? 'different NHS number',
};

function tokenOverlap(a: readonly string[], b: readonly string[]): number {
  let shared = 0;
  for (const t of a) if (b.includes(t)) shared++;
  return shared / Math.max(a.length, b.length);
}

export const ADDRESS: Comparison = {
  field: 'address',
  levels: ['missing', 'exact', 'jaro_winkler_0.90', 'half_the_words', 'different'],
  compare(a, b) {
    if (a.addr === '' || b.addr === '') return 0;
    if (a.addr === b.addr) return 1;
    // Addresses with no word in common are different; this spares the costly Jaro–Winkler on most pairs.
    const overlap = tokenOverlap(a.addrTokens!, b.addrTokens!);
    if (overlap === 0) return 4;
    if (jaroWinkler(a.addr, b.addr) >= 0.9) return 2;
    return overlap >= 0.5 ? 3 : 4;
  },
  describe(a, b, level) {
    return ['', 'same address', spelling('address', a.addr, b.addr, false), 'address shares half its words', 'different address'][level] ?? 'different address';
  },
};

export const POSTCODE: Comparison = {
  field: 'postcode',
  levels: ['missing', 'exact', 'one_character_different', 'same_sector', 'same_district', 'different'],
  compare(a, b) {
    if (a.pc === '' || b.pc === '') return 0;
    if (a.pc === b.pc) return 1;
    if (oneDifferent(a.pc, b.pc) || adjacentTransposition(a.pc, b.pc)) return 2;
    if (a.pcSector !== '' && a.pcSector === b.pcSector) return 3;
    if (a.pcDistrict !== '' && a.pcDistrict === b.pcDistrict) return 4;
    return 5;
  },
  describe: (_a, _b, level) => ['', 'same postcode', 'postcode one character different', 'same postcode sector', 'same postcode district', 'different postcode'][level] ?? 'different postcode',
};

export const TOWN: Comparison = {
  field: 'town',
  levels: ['missing', 'exact', 'jaro_winkler_0.90', 'different'],
  compare(a, b) {
    if (a.town === '' || b.town === '') return 0;
    if (a.town === b.town) return 1;
    return jaroWinkler(a.town, b.town) >= 0.9 ? 2 : 3;
  },
  describe: (a, b, level) => ['', 'same town', spelling('town', a.town, b.town, false), 'different town'][level] ?? 'different town',
};

/**
 * Recorded parents: the evidence that tells apart two children with the same common name and
 * date of birth. Sharing a parent's name is strong; both having parents recorded and none in
 * common is strong evidence against.
 */
export const PARENTS: Comparison = {
  field: 'parents',
  levels: ['missing', 'share_a_parent', 'no_parent_in_common'],
  compare(a, b) {
    if (!a.parents || !b.parents) return 0;
    for (const x of a.parents) for (const y of b.parents) if (x === y || jaroWinkler(x, y) >= 0.92) return 1;
    return 2;
  },
  describe: (_a, _b, level) => (level === 1 ? 'a recorded parent in common' : 'recorded parents all different'),
};

export const COMPARISONS: readonly Comparison[] = [FIRST_NAME, MIDDLE_NAMES, LAST_NAME, DATE_OF_BIRTH, SEX, NHS_NUMBER, ADDRESS, POSTCODE, TOWN, PARENTS];
export const FIELD_INDEX: Readonly<Record<string, number>> = Object.fromEntries(COMPARISONS.map((c, i) => [c.field, i]));
