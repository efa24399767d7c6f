import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import type { MatchInput } from '../../src/matching/record.ts';
import type { PairList } from '../../src/matching/engine.ts';

/** A benchmark data set: records, each with the truth (same cluster = same person). */
export interface LabelledSet {
  name: string;
  records: MatchInput[];
  cluster: Int32Array;
  /** Whether the set carries a national identifier (soc_sec_id) in nhsNumber. */
  hasId: boolean;
}

function readCsv(path: string): Record<string, string>[] {
  return parse<Record<string, string>>(readFileSync(path), { columns: (h: string[]) => h.map((x) => x.trim()), trim: true, skip_empty_lines: true, relax_column_count: true });
}

const join = (...parts: (string | undefined)[]): string => parts.filter((p) => p && p.trim()).join(' ');

/** FEBRL: rec-N-org / rec-N-dup-k, same N = same person. */
export function loadFebrl(path: string, name: string, withId: boolean): LabelledSet {
  const rows = readCsv(path);
  const ids = new Map<string, number>();
  const cluster = new Int32Array(rows.length);
  const records = rows.map((r, i): MatchInput => {
    const n = /^rec-(\d+)-/.exec(r.rec_id ?? '')?.[1] ?? `row${i}`;
    if (!ids.has(n)) ids.set(n, ids.size);
    cluster[i] = ids.get(n)!;
    return {
      firstName: r.given_name, lastName: r.surname, dateOfBirth: r.date_of_birth,
      address: join(r.street_number, r.address_1, r.address_2), postcode: r.postcode, town: r.suburb,
      nhsNumber: withId ? r.soc_sec_id : undefined,
    };
  });
  return { name, records, cluster, hasId: withId };
}

/** Splink's fake_1000 / fake_20000: `cluster` or `group` column. */
export function loadFake(path: string, name: string): LabelledSet {
  const rows = readCsv(path);
  const cluster = new Int32Array(rows.length);
  const records = rows.map((r, i): MatchInput => {
    cluster[i] = Number(r.cluster ?? r.group);
    return { firstName: r.first_name, lastName: r.surname, dateOfBirth: r.dob, town: r.city };
  });
  return { name, records, cluster, hasId: false };
}

/** ePBRN: `match_id` (empty or -1: no known duplicate). */
export function loadEpbrn(path: string, name: string): LabelledSet {
  const rows = readCsv(path);
  const cluster = new Int32Array(rows.length);
  const ids = new Map<string, number>();
  const records = rows.map((r, i): MatchInput => {
    const id = r.match_id && r.match_id !== '-1' ? r.match_id : `single${i}`;
    if (!ids.has(id)) ids.set(id, ids.size);
    cluster[i] = ids.get(id)!;
    const ok = (x: string | undefined): boolean => Boolean(x && /^\d+$/.test(x));
    const dob = ok(r.year) && ok(r.month) && ok(r.day) ? `${r.year}${r.month!.padStart(2, '0')}${r.day!.padStart(2, '0')}` : undefined;
    return { firstName: r.given_name, lastName: r.surname, dateOfBirth: dob, address: join(r.street_number, r.address_1, r.address_2), postcode: r.postcode, town: r.suburb };
  });
  return { name, records, cluster, hasId: false };
}

export function truePairCount(cluster: Int32Array): number {
  const sizes = new Map<number, number>();
  for (const c of cluster) sizes.set(c, (sizes.get(c) ?? 0) + 1);
  let t = 0;
  for (const s of sizes.values()) t += (s * (s - 1)) / 2;
  return t;
}

export interface Accuracy {
  truePairs: number;
  precision: number;
  recall: number;
  f1: number;
  recallAtPrecision99: number;
  recallAtPrecision999: number;
}

/** Pairwise precision/recall at probability 0.5, and the best recall keeping precision ≥ 0.99 and ≥ 0.999. */
export function accuracy(pairs: PairList, cluster: Int32Array, threshold = 0.5): Accuracy {
  const truePairs = truePairCount(cluster);
  const order = pairs.order();
  const thresholdWeight = Math.log2(threshold / (1 - threshold));
  let tp = 0;
  let k = 0;
  let atThreshold = { tp: 0, k: 0 };
  let r99 = 0;
  let r999 = 0;
  for (const idx of order) {
    k++;
    if (cluster[pairs.left[idx]!] === cluster[pairs.right[idx]!]) tp++;
    if (pairs.weight[idx]! >= thresholdWeight) atThreshold = { tp, k };
    const precision = tp / k;
    if (precision >= 0.99) r99 = Math.max(r99, tp / truePairs);
    if (precision >= 0.999) r999 = Math.max(r999, tp / truePairs);
  }
  const precision = atThreshold.k ? atThreshold.tp / atThreshold.k : 1;
  const recall = atThreshold.tp / truePairs;
  return { truePairs, precision, recall, f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0, recallAtPrecision99: r99, recallAtPrecision999: r999 };
}
