import { COMPARISONS, FIELD_INDEX, firstNameLevel, lastNameLevel, pureFirstLevel, pureLastLevel } from './comparisons.ts';
import type { Prepared } from './record.ts';

/** m and u per level of one comparison. Level 0 (missing) carries no evidence and has no entry that counts. */
export interface FieldParams {
  levels: string[];
  /** P(level | same person), over the non-missing levels. */
  m: number[];
  /** P(level | different people), over the non-missing levels. */
  u: number[];
  /** 'em': m estimated from the data by expectation–maximisation; 'default': not enough data, prior belief kept. */
  source: 'em' | 'default';
}

export interface TrainingSession {
  blockedOn: string;
  pairs: number;
  iterations: number;
  converged: boolean;
  lambda: number;
  estimated: string[];
}

/** The saved model (JSON). Term frequencies are not saved: they belong to the data being matched. */
export interface MatchModel {
  version: 1;
  description: string;
  trainedAt: string;
  records: number;
  /** λ: the probability that two records drawn at random are the same person. */
  probabilityTwoRandomRecordsMatch: number;
  /** λ × (records − 1): how many other records each record matches on average; rescales λ to another population size. */
  duplicatesPerRecord: number;
  fields: Record<string, FieldParams>;
  /** Fields whose exact agreement is weighted by how common the value is. */
  termFrequencyFields: string[];
  training: { uPairs: number; sessions: TrainingSession[] };
}

/**
 * Starting beliefs, used before training and for evidence a data set cannot teach (recorded
 * parents are absent from every benchmark file). Orders of magnitude from the linkage
 * literature; EM replaces m wherever the data allow.
 */
const DEFAULTS: Record<string, { m: number[]; u: number[] }> = {
  first_name: { m: [0.86, 0.03, 0.04, 0.03, 0.02, 0.02], u: [0.006, 0.0005, 0.004, 0.02, 0.002, 0.9675] },
  middle_names: { m: [0.8, 0.1, 0.05, 0.05], u: [0.01, 0.05, 0.01, 0.93] },
  last_name: { m: [0.85, 0.005, 0.04, 0.03, 0.03, 0.045], u: [0.002, 0.00001, 0.003, 0.0002, 0.02, 0.97479] },
  date_of_birth: { m: [0.9, 0.02, 0.04, 0.02, 0.02], u: [0.00004, 0.00003, 0.0004, 0.0002, 0.99933] },
  sex: { m: [0.98, 0.02], u: [0.5, 0.5] },
  nhs_number: { m: [0.97, 0.02, 0.01], u: [0.0000001, 0.000001, 0.9999989] },
  address: { m: [0.6, 0.1, 0.1, 0.2], u: [0.0001, 0.0002, 0.005, 0.9947] },
  postcode: { m: [0.65, 0.05, 0.05, 0.05, 0.2], u: [0.0002, 0.0005, 0.002, 0.02, 0.9773] },
  town: { m: [0.75, 0.05, 0.2], u: [0.02, 0.005, 0.975] },
  // Two agencies recording the same child's parents rarely record none of the same people.
  parents: { m: [0.95, 0.05], u: [0.001, 0.999] },
};

export function defaultModel(): MatchModel {
  const fields: Record<string, FieldParams> = {};
  for (const c of COMPARISONS) {
    const d = DEFAULTS[c.field]!;
    fields[c.field] = { levels: [...c.levels], m: [0, ...d.m], u: [0, ...d.u], source: 'default' };
  }
  return {
    version: 1,
    description: 'Default parameters (not trained).',
    trainedAt: '',
    records: 0,
    probabilityTwoRandomRecordsMatch: 1e-5,
    duplicatesPerRecord: 0.2,
    fields,
    termFrequencyFields: ['first_name', 'last_name'],
    training: { uPairs: 0, sessions: [] },
  };
}

/** How often each first name and surname occurs in the data being matched. */
export interface TermFrequencies {
  total: number;
  first: Map<string, number>;
  last: Map<string, number>;
}

export function termFrequencies(records: readonly Prepared[]): TermFrequencies {
  const first = new Map<string, number>();
  const last = new Map<string, number>();
  for (const r of records) {
    if (r.first) first.set(r.first, (first.get(r.first) ?? 0) + 1);
    if (r.last) last.set(r.last, (last.get(r.last) ?? 0) + 1);
  }
  return { total: records.length, first, last };
}

/** For each comparison, whether any record has the field. */
export function fieldsPresent(records: readonly Prepared[]): boolean[] {
  return COMPARISONS.map((c) => records.some((r) => c.compare(r, r) !== 0));
}

export const probability = (weight: number): number => 1 / (1 + 2 ** -weight);
export const weightOf = (p: number): number => Math.log2(p / (1 - p));

export interface Contribution {
  field: string;
  level: string;
  /** Match weight in bits (log2 Bayes factor), term-frequency adjustment included. */
  weight: number;
  text: string;
}

export interface PairScore {
  probability: number;
  matchWeight: number;
  contributions: Contribution[];
  explanation: string;
  /** Hard evidence that these are different people (different NHS numbers, different parents). */
  conflicts: string[];
}

// Cheap integer and equality tests first, so a hopeless pair is abandoned before any Jaro–Winkler.
const ORDER = ['nhs_number', 'date_of_birth', 'sex', 'postcode', 'last_name', 'first_name', 'parents', 'address', 'town', 'middle_names'].map((f) => FIELD_INDEX[f]!);
const FIRST = FIELD_INDEX.first_name!;
const LAST = FIELD_INDEX.last_name!;
/** A rare exact name is strong evidence, but a unique misspelling is not worth more than this. */
const MAX_TF_BONUS = 5;

/**
 * Remembers the pure name-comparison level of pairs of distinct names (by interned id): a
 * population has a few thousand names, so most pairs repeat. Open addressing in typed arrays;
 * when full it simply stops remembering.
 */
export class NamePairCache {
  private readonly keysA: Int32Array;
  private readonly keysB: Int32Array;
  private readonly values: Uint8Array;
  private readonly mask: number;
  private size = 0;
  constructor(bits = 22) {
    this.keysA = new Int32Array(1 << bits).fill(-1);
    this.keysB = new Int32Array(1 << bits);
    this.values = new Uint8Array(1 << bits);
    this.mask = (1 << bits) - 1;
  }

  /** The remembered level, or -1. */
  get(x: number, y: number): number {
    const a = x < y ? x : y;
    const b = x < y ? y : x;
    let h = (Math.imul(a, 0x9e3779b1) ^ Math.imul(b, 0x85ebca6b)) & this.mask;
    for (;;) {
      const k = this.keysA[h]!;
      if (k === -1) return -1;
      if (k === a && this.keysB[h] === b) return this.values[h]!;
      h = (h + 1) & this.mask;
    }
  }

  set(x: number, y: number, v: number): void {
    if (this.size >= this.mask >> 1) return;
    const a = x < y ? x : y;
    const b = x < y ? y : x;
    let h = (Math.imul(a, 0x9e3779b1) ^ Math.imul(b, 0x85ebca6b)) & this.mask;
    while (this.keysA[h] !== -1) h = (h + 1) & this.mask;
    this.keysA[h] = a;
    this.keysB[h] = b;
    this.values[h] = v;
    this.size++;
  }
}

/**
 * Scores pairs with a model: the match weight is the prior's log-odds plus, for each field, the
 * log2 of m/u at the pair's level, with exact name agreement adjusted by the name's frequency
 * (a shared "Smith" says less than a shared "Wojciechowska").
 */
export class Scorer {
  readonly weights: Float64Array[];
  readonly priorWeight: number;
  private readonly uExactFirst: number;
  private readonly uExactLast: number;
  private readonly maxAfter: Float64Array;
  // Allocated on first use: only batch runs intern names; a product query never needs them.
  private firstCacheStore: NamePairCache | undefined;
  private lastCacheStore: NamePairCache | undefined;
  private get firstCache(): NamePairCache {
    return (this.firstCacheStore ??= new NamePairCache());
  }
  private get lastCache(): NamePairCache {
    return (this.lastCacheStore ??= new NamePairCache());
  }
  private tfFirstById: Float64Array | null = null;
  private tfLastById: Float64Array | null = null;

  constructor(
    readonly model: MatchModel,
    private readonly tf: TermFrequencies | null,
    prior = model.probabilityTwoRandomRecordsMatch,
    /** Which comparisons have data at all (see fieldsPresent): absent ones cannot lift a pair, which lets more pairs be abandoned early. */
    present?: readonly boolean[],
  ) {
    this.priorWeight = weightOf(prior);
    this.weights = COMPARISONS.map((c) => {
      const p = model.fields[c.field] ?? defaultModel().fields[c.field]!;
      return Float64Array.from(p.m.map((m, l) => (l === 0 ? 0 : Math.log2(Math.max(m, 1e-9) / Math.max(p.u[l]!, 1e-12)))));
    });
    const tfOn = tf !== null && model.termFrequencyFields.length > 0;
    this.uExactFirst = model.fields.first_name?.u[1] ?? 0.006;
    this.uExactLast = model.fields.last_name?.u[1] ?? 0.002;
    // The largest weight still obtainable after each position in ORDER, for abandoning pairs early.
    this.maxAfter = new Float64Array(ORDER.length + 1);
    for (let p = ORDER.length - 1; p >= 0; p--) {
      const f = ORDER[p]!;
      let best = present && !present[f] ? 0 : Math.max(0, ...this.weights[f]!);
      if (tfOn && (f === FIRST || f === LAST)) best += MAX_TF_BONUS;
      this.maxAfter[p] = this.maxAfter[p + 1]! + best;
    }
  }

  private tfAdjust(field: number, a: Prepared): number {
    if (!this.tf) return 0;
    // Interned names: the adjustment is worked out once per name, not once per pair.
    const id = field === FIRST ? a.firstId : a.lastId;
    if (id >= 0) {
      let table = field === FIRST ? this.tfFirstById : this.tfLastById;
      if (!table || id >= table.length) {
        const grown = new Float64Array(Math.max(1024, (id + 1) * 2)).fill(NaN);
        if (table) grown.set(table);
        table = grown;
        if (field === FIRST) this.tfFirstById = table;
        else this.tfLastById = table;
      }
      let v = table[id]!;
      if (Number.isNaN(v)) table[id] = v = this.tfAdjustOf(field, a);
      return v;
    }
    return this.tfAdjustOf(field, a);
  }

  private tfAdjustOf(field: number, a: Prepared): number {
    if (!this.tf) return 0;
    const value = field === FIRST ? a.first : a.last;
    const count = (field === FIRST ? this.tf.first : this.tf.last).get(value) ?? 1;
    const freq = Math.max(count, 1) / Math.max(this.tf.total, 1);
    return Math.min(MAX_TF_BONUS, Math.log2((field === FIRST ? this.uExactFirst : this.uExactLast) / freq));
  }

  /** The match weight, or -Infinity as soon as it can no longer reach minWeight. */
  weight(a: Prepared, b: Prepared, minWeight = -Infinity): number {
    let w = this.priorWeight;
    for (let p = 0; p < ORDER.length; p++) {
      if (w + this.maxAfter[p]! < minWeight) return -Infinity;
      const f = ORDER[p]!;
      let level: number;
      if (f === FIRST && a.firstId >= 0 && b.firstId >= 0) {
        if (a.first === '' || b.first === '') continue;
        let pure = this.firstCache.get(a.firstId, b.firstId);
        if (pure < 0) this.firstCache.set(a.firstId, b.firstId, (pure = pureFirstLevel(a, b)));
        level = firstNameLevel(a, b, pure);
      } else if (f === LAST && a.lastId >= 0 && b.lastId >= 0) {
        if (a.last === '' || b.last === '') continue;
        let pure = this.lastCache.get(a.lastId, b.lastId);
        if (pure < 0) this.lastCache.set(a.lastId, b.lastId, (pure = pureLastLevel(a, b)));
        level = lastNameLevel(a, b, pure);
      } else {
        level = COMPARISONS[f]!.compare(a, b);
      }
      if (level === 0) continue;
      w += this.weights[f]![level]!;
      if (level === 1 && (f === FIRST || f === LAST)) w += this.tfAdjust(f, a);
    }
    return w;
  }

  /** Levels of every comparison for a pair (for training and explanation). */
  levels(a: Prepared, b: Prepared, out: Uint8Array = new Uint8Array(COMPARISONS.length)): Uint8Array {
    for (let f = 0; f < COMPARISONS.length; f++) out[f] = COMPARISONS[f]!.compare(a, b);
    return out;
  }

  /** The probability, each field's contribution, and words a practitioner can check. */
  explain(a: Prepared, b: Prepared): PairScore {
    const levels = this.levels(a, b);
    let w = this.priorWeight;
    const contributions: Contribution[] = [];
    const conflicts: string[] = [];
    COMPARISONS.forEach((c, f) => {
      const level = levels[f]!;
      if (level === 0) return;
      let lw = this.weights[f]![level]!;
      let text = c.describe(a, b, level);
      if (level === 1 && (f === FIRST || f === LAST) && this.tf) {
        const adj = this.tfAdjust(f, a);
        lw += adj;
        if (adj < -1) text += ' (a common name)';
        else if (adj > 1) text += ' (an uncommon name)';
      }
      w += lw;
      contributions.push({ field: c.field, level: c.levels[level]!, weight: Math.round(lw * 100) / 100, text });
      if (c.field === 'nhs_number' && level === 3) conflicts.push('different NHS numbers');
      if (c.field === 'parents' && level === 2) conflicts.push('recorded parents all different');
    });
    return {
      probability: probability(w),
      matchWeight: Math.round(w * 100) / 100,
      contributions,
      explanation: contributions.map((c) => c.text).join('; '),
      conflicts,
    };
  }
}
