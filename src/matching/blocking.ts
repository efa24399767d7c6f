import type { Prepared } from './record.ts';

/**
 * Blocking rules: a pair is compared only when it agrees on at least one rule's key. Several
 * loose rules OR-ed together keep recall high (an error in one field is caught by a rule on
 * another) while comparing a tiny fraction of all pairs.
 */
export interface BlockingRule {
  name: string;
  description: string;
  key(p: Prepared): string | null;
  /**
   * Blocks larger than this are skipped in batch runs (Splink's approach): a key that common
   * ("Oliver Smith") joins so many strangers that its pairs grow with the square of the
   * population, and its true pairs are nearly all caught by another rule.
   */
  maxBlockSize?: number;
}


/** Training blocks (train.ts): wide on purpose, sampled there, never used to find candidates. */
export const DOB_RULE: BlockingRule = {
  name: 'dob',
  description: 'same date of birth, or the same with day and month swapped',
  key: (p) => (p.dob ? p.dobSorted : null),
};
export const NAMES_SOUND_RULE: BlockingRule = {
  name: 'names_sound',
  description: 'first name and surname sound the same, in either order',
  key: (p) => (p.firstDm && p.lastDm ? (p.firstDm < p.lastDm ? `${p.firstDm}|${p.lastDm}` : `${p.lastDm}|${p.firstDm}`) : null),
};

/*
 * A key on one detail whose values do not grow with the population (a date of birth: about 33,000
 * in use; a common pair of names) makes blocks that fill up as records are added, so its pairs grow
 * with the square of the population: at 1,000,000 synthetic people the five wide rules below
 * (date of birth; surname sound + year; first-name sound + day and month; surname sound + day and
 * month; first-name sound + year and month) and the name sounds made 70 of 78 million candidate
 * pairs. So those blocks are compared only while they are small (WIDE_BLOCK), as Splink caps
 * blocks: in a file of a few thousand they work as before, in a population of a million a shared
 * birthday alone no longer makes a candidate. Their pairs are then found by the rules after
 * `nhs_number`, which add a second detail (an initial, a town, a postcode district) that survives
 * most typing errors.
 *
 * The product stores keys prefixed with the rule's position (store.ts): new rules are appended so
 * that the keys of people indexed before stay valid.
 */
const WIDE_BLOCK = 10;

export const BLOCKING_RULES: readonly BlockingRule[] = [
  {
    name: 'dob',
    description: 'same date of birth, or the same with day and month swapped',
    key: (p) => (p.dob ? p.dobSorted : null),
    maxBlockSize: WIDE_BLOCK,
  },
  {
    name: 'surname_sound_birth_year',
    description: 'surname sounds the same (Double Metaphone) and same year of birth',
    key: (p) => (p.lastDm && p.dobY ? `${p.lastDm}|${p.dobY}` : null),
    maxBlockSize: WIDE_BLOCK,
  },
  {
    name: 'postcode_initial',
    description: 'same postcode and first initial',
    key: (p) => (p.pc && p.first ? `${p.pc}|${p.first[0]}` : null),
  },
  {
    name: 'first_name_sound_birthday',
    description: 'first name sounds the same and same day and month of birth (catches a wrong year)',
    key: (p) => (p.firstDm && p.dob ? `${p.firstDm}|${p.dob.slice(4)}` : null),
    maxBlockSize: WIDE_BLOCK,
  },
  {
    name: 'names_sound',
    description: 'first name and surname sound the same, in either order (catches a wrong or missing date of birth and swapped names)',
    key: (p) => NAMES_SOUND_RULE.key(p),
    maxBlockSize: 100,
  },
  {
    name: 'surname_sound_birthday',
    description: 'surname sounds the same and same day and month of birth',
    key: (p) => (p.lastDm && p.dob ? `${p.lastDm}|${p.dob.slice(4)}` : null),
    maxBlockSize: WIDE_BLOCK,
  },
  {
    name: 'first_name_sound_birth_month',
    description: 'first name sounds the same and same year and month of birth (catches a wrong day)',
    key: (p) => (p.firstDm && p.dob ? `${p.firstDm}|${p.dob.slice(0, 6)}` : null),
    maxBlockSize: WIDE_BLOCK,
  },
  {
    name: 'first_name_sound_birth_year_area',
    description: 'first name sounds the same, same year of birth and same postcode district or town (catches a missing or changed surname with a wrong day or month)',
    key: (p) => (p.firstDm && p.dobY && (p.pcDistrict || p.town) ? `${p.firstDm}|${p.dobY}|${p.pcDistrict || p.town}` : null),
  },
  {
    name: 'postcode_surname_initial',
    description: 'same postcode and surname initial',
    key: (p) => (p.pc && p.last ? `${p.pc}|${p.last[0]}` : null),
  },
  {
    name: 'nhs_number',
    description: 'same NHS number',
    key: (p) => p.nhs || null,
  },
  {
    name: 'dob_first_initial',
    description: 'same date of birth (or with day and month swapped) and first initial',
    key: (p) => (p.dob && p.first ? `${p.dobSorted}|${p.first[0]}` : null),
  },
  {
    name: 'surname_sound_birth_year_initial',
    description: 'surname sounds the same, same year of birth and first initial',
    key: (p) => (p.lastDm && p.dobY && p.first ? `${p.lastDm}|${p.dobY}|${p.first[0]}` : null),
  },
  {
    name: 'first_name_sound_birthday_initial',
    description: 'first name sounds the same, same day and month of birth and surname initial (catches a wrong year)',
    key: (p) => (p.firstDm && p.dob && p.last ? `${p.firstDm}|${p.dob.slice(4)}|${p.last[0]}` : null),
  },
  {
    name: 'surname_sound_birthday_initial',
    description: 'surname sounds the same, same day and month of birth and first initial',
    key: (p) => (p.lastDm && p.dob && p.first ? `${p.lastDm}|${p.dob.slice(4)}|${p.first[0]}` : null),
  },
  {
    name: 'first_name_sound_birth_month_initial',
    description: 'first name sounds the same, same year and month of birth and surname initial (catches a wrong day)',
    key: (p) => (p.firstDm && p.dob && p.last ? `${p.firstDm}|${p.dob.slice(0, 6)}|${p.last[0]}` : null),
  },
  {
    name: 'dob_surname_initial',
    description: 'same date of birth (or with day and month swapped) and surname initial',
    key: (p) => (p.dob && p.last ? `${p.dobSorted}|${p.last[0]}` : null),
  },
  {
    name: 'dob_town',
    description: 'same date of birth (or with day and month swapped) and town (catches a missing or changed name)',
    key: (p) => (p.dob && p.town ? `${p.dobSorted}|${p.town}` : null),
  },
  {
    name: 'dob_district',
    description: 'same date of birth (or with day and month swapped) and postcode district (catches a missing or changed name)',
    key: (p) => (p.dob && p.pcDistrict ? `${p.dobSorted}|${p.pcDistrict}` : null),
  },
];

/** Each record's key under one rule as a small integer (-1: no key), and how many keys there are. */
export function ruleKeys(records: readonly Prepared[], rule: BlockingRule): { keys: Int32Array; count: number } {
  const ids = new Map<string, number>();
  const keys = new Int32Array(records.length);
  for (let i = 0; i < records.length; i++) {
    const k = rule.key(records[i]!);
    if (k === null) {
      keys[i] = -1;
      continue;
    }
    let id = ids.get(k);
    if (id === undefined) {
      id = ids.size;
      ids.set(k, id);
    }
    keys[i] = id;
  }
  return { keys, count: ids.size };
}

/** Records grouped by key: members of key k are members[offsets[k]] … members[offsets[k+1]-1]. */
export function groupByKey(keys: Int32Array, count: number): { offsets: Int32Array; members: Int32Array } {
  const offsets = new Int32Array(count + 1);
  for (const k of keys) if (k >= 0) offsets[k + 1]!++;
  for (let k = 0; k < count; k++) offsets[k + 1]! += offsets[k]!;
  const fill = offsets.slice(0, count);
  const members = new Int32Array(offsets[count]!);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    if (k >= 0) members[fill[k]!++] = i;
  }
  return { offsets, members };
}

export interface BlockingStats {
  rule: string;
  pairs: number;
  /** Blocks too large to compare pairwise, left out (their pairs must be caught by another rule). */
  skippedBlocks: number;
}

export interface CandidateOptions {
  rules?: readonly BlockingRule[];
  /** For linking two files: side[i] is 0 for the left file, 1 for the right. Pairs within a side are skipped. */
  side?: Uint8Array | undefined;
  /** Blocks larger than this are skipped (a rule's own maxBlockSize, if smaller, wins). */
  maxBlockSize?: number;
  /** Told the share of the work done, now and then. */
  progress?: ((fraction: number) => void) | undefined;
}

/**
 * Calls visit(i, j) once for every candidate pair (i < j). A pair found by several rules is
 * reported by the first only: a later rule skips pairs that an earlier rule's keys already join,
 * which dedupes across rules without a set of all pairs in memory.
 */
export function forEachCandidate(records: readonly Prepared[], opts: CandidateOptions, visit: (i: number, j: number) => void): BlockingStats[] {
  const rules = opts.rules ?? BLOCKING_RULES;
  const side = opts.side;
  const earlier: Int32Array[] = [];
  const stats: BlockingStats[] = [];
  for (const [r, rule] of rules.entries()) {
    const maxBlock = Math.min(opts.maxBlockSize ?? 5000, rule.maxBlockSize ?? Infinity);
    const { keys, count } = ruleKeys(records, rule);
    const { offsets, members } = groupByKey(keys, count);
    let pairs = 0;
    let skipped = 0;
    for (let k = 0; k < count; k++) {
      if (opts.progress && (k & 0x3fff) === 0) opts.progress((r + k / count) / rules.length);
      const start = offsets[k]!;
      const end = offsets[k + 1]!;
      if (end - start < 2) continue;
      if (end - start > maxBlock) {
        skipped++;
        // A pair left out here has not been reported: later rules must not take it for one.
        for (let x = start; x < end; x++) keys[members[x]!] = -1;
        continue;
      }
      for (let x = start; x < end; x++) {
        const i = members[x]!;
        for (let y = x + 1; y < end; y++) {
          const j = members[y]!;
          if (side && side[i] === side[j]) continue;
          let seen = false;
          for (const e of earlier) {
            const ki = e[i]!;
            if (ki >= 0 && ki === e[j]) {
              seen = true;
              break;
            }
          }
          if (seen) continue;
          pairs++;
          if (i < j) visit(i, j);
          else visit(j, i);
        }
      }
    }
    earlier.push(keys);
    stats.push({ rule: rule.name, pairs, skippedBlocks: skipped });
  }
  return stats;
}
