import { readFileSync } from 'node:fs';
import { doubleMetaphone } from 'double-metaphone';

/**
 * Field normalisation. Everything is reduced to lower-case ASCII letters, digits and single
 * spaces before it is compared, so "O'Brien", "OBRIEN" and "O Brien " agree, and accents
 * typed by one agency and not another (Zoë, Zoe) do not count as a difference.
 */
const COMBINING = /[\u0300-\u036f]/g;

export function normaliseText(value: string | null | undefined): string {
  if (!value) return '';
  return value.normalize('NFD').replace(COMBINING, '').toLowerCase()
    .replace(/['’`]/g, '')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/** A name keeps its hyphen as a space so "Smith-Jones" has the parts "smith" and "jones". */
export const normaliseName = (value: string | null | undefined): string => normaliseText(value).replace(/[0-9]/g, '').replace(/\s+/g, ' ').trim();

/**
 * A date of birth as YYYYMMDD digits, or '' when absent. Digits that do not form a real date
 * are kept: a mistyped date is still evidence (one digit wrong, day and month swapped).
 */
export function normaliseDob(value: string | null | undefined): string {
  if (!value) return '';
  const v = value.trim();
  let m = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(v);
  if (m) return `${m[1]}${m[2]}${m[3]}`;
  m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(v);
  if (m) return `${m[3]}${m[2]!.padStart(2, '0')}${m[1]!.padStart(2, '0')}`;
  return '';
}

export const normalisePostcode = (value: string | null | undefined): string => (value ?? '').toUpperCase().replace(/[^A-Z0-9]/g, '');

const UK_POSTCODE = /^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9])([A-Z]{2})$/;

/**
 * The postcode sector and district. A UK postcode's sector is the outward code and the first
 * character of the inward code ("SW1A 1"), its district the outward code ("SW1A"). Other
 * postcodes (the FEBRL benchmark's Australian ones) have no such structure: their leading
 * digits stand in for it.
 */
export function postcodeParts(pc: string): { sector: string; district: string } {
  if (!pc) return { sector: '', district: '' };
  const uk = UK_POSTCODE.exec(pc);
  if (uk) return { sector: `${uk[1]}${uk[2]}`, district: uk[1]! };
  return { sector: pc.length > 2 ? pc.slice(0, pc.length - 1) : '', district: pc.length > 3 ? pc.slice(0, pc.length - 2) : '' };
}

export const normaliseNhs = (value: string | null | undefined): string => (value ?? '').replace(/[^0-9]/g, '');

export function normaliseSex(value: string | null | undefined): 0 | 1 | 2 {
  const v = (value ?? '').trim().toLowerCase();
  if (v === 'f' || v === 'female' || v === 'girl') return 1;
  if (v === 'm' || v === 'male' || v === 'boy') return 2;
  return 0;
}

const phoneticCache = new Map<string, readonly [string, string]>();

/** Double Metaphone codes of a name, cached: a population repeats a few thousand names. */
export function phonetic(name: string): readonly [string, string] {
  if (!name) return ['', ''];
  let codes = phoneticCache.get(name);
  if (!codes) {
    const [p, s] = doubleMetaphone(name);
    codes = [p, s];
    if (phoneticCache.size > 500_000) phoneticCache.clear();
    phoneticCache.set(name, codes);
  }
  return codes;
}

/**
 * Nickname groups from nicknames.csv: each line is a formal name and its common short forms.
 * A name may belong to several groups (Chris: Christopher, Christine, Christina).
 */
function loadNicknames(): Map<string, number[]> {
  const text = readFileSync(new URL('./nicknames.csv', import.meta.url), 'utf8');
  const groups = new Map<string, number[]>();
  text.split(/\r?\n/).slice(1).forEach((line, i) => {
    const [formal, nicks] = line.split(',');
    if (!formal) return;
    for (const name of [formal, ...(nicks ?? '').split(' ')].map((n) => n.trim()).filter(Boolean)) {
      const list = groups.get(name) ?? [];
      if (!list.includes(i)) list.push(i);
      groups.set(name, list);
    }
  });
  return groups;
}

let nicknames: Map<string, number[]> | undefined;

export function nicknameGroups(name: string): readonly number[] | null {
  nicknames ??= loadNicknames();
  return nicknames.get(name) ?? null;
}

export function sameNicknameGroup(a: readonly number[] | null, b: readonly number[] | null): boolean {
  if (!a || !b) return false;
  for (const x of a) if (b.includes(x)) return true;
  return false;
}
