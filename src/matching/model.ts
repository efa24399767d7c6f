import { COMPARISONS, FIELD_INDEX, firstNameLevel, lastNameLevel, pureFirstLevel, pureLastLevel } from './comparisons.ts';
import { NamePairCache } from './name-pair-cache.ts';
import type { Prepared } from './record.ts';

export { NamePairCache };

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
  /** Families in the population (see HouseholdParams); absent where the data show none, as in every benchmark file. */
  household?: HouseholdParams | undefined;
  training: { uPairs: number; sessions: TrainingSession[] };
}

/**
 * What tells apart different people who live together. Family members share an address, a
 * postcode, a town and parents, so these are not independent pieces of evidence, and among them
 * a shared surname or date of birth (twins) says far less than among strangers. Stated beliefs,
 * not learnt: no benchmark file and no synthetic population records families.
 */
export interface HouseholdParams {
  /** People a person shares a home or a parent with (parents, brothers and sisters), on average. */
  othersPerHousehold: number;
  /** P(level | different people of one household), for the fields family members tend to share. */
  u: Record<string, number[]>;
  source: 'default';
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

/**
 * A household with children, as services record it: a parent or two and a brother or sister or
 * two. Twins are about one maternity in 65 in England and Wales, so one sibling pair in a few
 * dozen shares a date of birth; children of one family usually, not always, share a surname;
 * brothers and sisters are sometimes given names that sound alike (Aiden and Ayden) and often
 * share an initial.
 */
export const DEFAULT_HOUSEHOLD: HouseholdParams = {
  othersPerHousehold: 3,
  u: {
    first_name: [0, 0.01, 0.01, 0.02, 0.05, 0.05, 0.86],
    last_name: [0, 0.7, 0.001, 0.01, 0.05, 0.02, 0.219],
    date_of_birth: [0, 0.02, 0.002, 0.01, 0.005, 0.963],
  },
  source: 'default',
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
  /** Hard evidence that these are different people (different NHS numbers, different parents, a different first name and date of birth, possible twins). */
  conflicts: string[];
}

// Cheap integer and equality tests first, so a hopeless pair is abandoned before any Jaro–Winkler.
const ORDER = ['nhs_number', 'date_of_birth', 'sex', 'postcode', 'last_name', 'first_name', 'parents', 'address', 'town', 'middle_names'].map((f) => FIELD_INDEX[f]!);
const FIRST = FIELD_INDEX.first_name!;
const LAST = FIELD_INDEX.last_name!;
const DOB = FIELD_INDEX.date_of_birth!;
const NHS = FIELD_INDEX.nhs_number!;
/** Where and with whom a person lives: one household's members agree on all of these together. */
const HOUSEHOLD = new Uint8Array(COMPARISONS.length);
for (const f of ['address', 'postcode', 'town', 'parents']) HOUSEHOLD[FIELD_INDEX[f]!] = 1;
/** Levels that put two entries in one home or one family: same address, same postcode, a parent in common. */
const SHARED_HOME: readonly (readonly number[])[] = COMPARISONS.map((c) =>
  c.field === 'address' ? [1, 2] : c.field === 'postcode' ? [1] : c.field === 'parents' ? [1] : []);
const sharesHome = (f: number, level: number): boolean => SHARED_HOME[f]!.includes(level);
const FIRST_DIFFERENT = COMPARISONS[FIRST]!.levels.indexOf('different');
const DOB_DIFFERENT = COMPARISONS[DOB]!.levels.indexOf('different');
const FIRST_TYPO = COMPARISONS[FIRST]!.levels.indexOf('jaro_winkler_0.92');
/** The one-slip level of each name comparison: an exact name never counts for less. */
const NAME_TYPO: Readonly<Record<number, number>> = { [FIRST]: FIRST_TYPO, [LAST]: COMPARISONS[LAST]!.levels.indexOf('jaro_winkler_0.92') };
/** First-name levels at which a shared home cannot be a brother or sister: the same name, a nickname, one slip. */
const SAME_FIRST = [1, 2, FIRST_TYPO];
/** A rare exact name is strong evidence, but a unique misspelling is not worth more than this. */
const MAX_TF_BONUS = 5;

/**
 * Scores pairs with a model: the match weight is the prior's log-odds plus, for each field, the
 * log2 of m/u at the pair's level, with exact name agreement adjusted by the name's frequency
 * (a shared "Smith" says less than a shared "Wojciechowska").
 *
 * Fellegi–Sunter assumes the fields independent; for a family they are not. Address, postcode,
 * town and a recorded parent are agreed on together by everyone in one household, so their
 * agreement counts once (the strongest), and disagreements each count as before. When two
 * entries share a home or a parent, the question is no longer "which of the population is
 * this?" but "which member of this family?": the prior and the household evidence together are
 * held to the odds of a duplicate among the others of one household, and names and date of
 * birth are weighed by how often family members share them, not strangers.
 */
export class Scorer {
  readonly weights: Float64Array[];
  /** Weights of the same levels between different people of one household (never above `weights`). */
  readonly familyWeights: Float64Array[];
  readonly priorWeight: number;
  /** Whether the population has families (model.household): without, every field is independent evidence. */
  private readonly families: boolean;
  /** The most prior and household evidence together may say: log-odds of a duplicate among one household's others. */
  private readonly homeCap: number;
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
  private readonly scratch = new Uint8Array(COMPARISONS.length);
  private tfLastById: Float64Array | null = null;

  constructor(
    readonly model: MatchModel,
    private readonly tf: TermFrequencies | null,
    prior = model.probabilityTwoRandomRecordsMatch,
    /** Which comparisons have data at all (see fieldsPresent): absent ones cannot lift a pair, which lets more pairs be abandoned early. */
    present?: readonly boolean[],
    private readonly exactFloor = false,
  ) {
    this.priorWeight = weightOf(prior);
    this.weights = COMPARISONS.map((c) => {
      const p = model.fields[c.field] ?? defaultModel().fields[c.field]!;
      return Float64Array.from(p.m.map((m, l) => (l === 0 ? 0 : Math.log2(Math.max(m, 1e-9) / Math.max(p.u[l]!, 1e-12)))));
    });
    const household = model.household;
    this.families = household !== undefined;
    this.familyWeights = COMPARISONS.map((c, f) => {
      const uFamily = household?.u[c.field];
      const w = this.weights[f]!;
      if (!uFamily) return w;
      const m = (model.fields[c.field] ?? defaultModel().fields[c.field]!).m;
      // Never more than between strangers: the correction exists to hold back evidence, and the early abandoning in weight() relies on it.
      return Float64Array.from(w, (x, l) => (l === 0 ? 0 : Math.min(x, Math.log2(Math.max(m[l]!, 1e-9) / Math.max(uFamily[l] ?? 1, 1e-12)))));
    });
    this.homeCap = household ? Math.max(0, Math.log2(Math.max(model.duplicatesPerRecord, 1e-9) / Math.max(household.othersPerHousehold, 1e-3)) - this.priorWeight) : Infinity;
    const tfOn = tf !== null && model.termFrequencyFields.length > 0;
    this.uExactFirst = model.fields.first_name?.u[1] ?? 0.006;
    this.uExactLast = model.fields.last_name?.u[1] ?? 0.002;
    // The largest weight still obtainable after each position in ORDER, for abandoning pairs early.
    // Household agreements count once, but their sum is still a bound.
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
    // The running total counts every field as between strangers: an upper bound of the final
    // weight (family weights are never above, the household counts once), so abandoning is safe.
    let w = this.priorWeight;
    let home = 0;
    let shared = false;
    const levels = this.scratch.fill(0);
    for (let p = 0; p < ORDER.length; p++) {
      if (w + home + this.maxAfter[p]! < minWeight) return -Infinity;
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
      levels[f] = level;
      if (level === 0) continue;
      const lw = this.fieldWeight(f, level, this.weights, a, true);
      if (HOUSEHOLD[f] && this.families) {
        if (lw < 0) w += lw;
        else if (lw > home) home = lw;
        if (sharesHome(f, level)) shared = true;
        continue;
      }
      w += lw;
    }
    if (!shared) return w + home;
    return this.evaluate(levels, a);
  }

  /**
   * One field's weight at a level. An exact name is weighed by its frequency, but never below a
   * one-letter slip of it where a practitioner reads the answer (exactNeverBelowSlip), nor ever
   * against the pair: a name's count could otherwise make "Conor" = "Conor" count for less than
   * "Conor" = "Connor". Batch runs keep the plain adjustment (the floor costs them precision on
   * files full of common names, where a slip's m/u is learnt high).
   */
  private fieldWeight(f: number, level: number, table: readonly Float64Array[], a: Prepared, tf: boolean): number {
    const lw = table[f]![level]!;
    if (level !== 1 || (f !== FIRST && f !== LAST)) return lw;
    // Not within a family: there a shared surname is the rule and says next to nothing.
    const floor = this.exactFloor && table === this.weights ? table[f]![NAME_TYPO[f]!]! : 0;
    return Math.max(tf ? lw + this.tfAdjust(f, a) : lw, floor, 0);
  }

  /**
   * Each field's weight and the total, for a pair's levels. Entries sharing a home or a parent are
   * weighed as members of one family ("which member is this?"). But when their first names are
   * the same (or a nickname, or one slip apart) a shared home is no sign of a brother or sister,
   * so it may never make them less likely than the same entries without the household details:
   * agreeing evidence never lowers a score (the twins guard keeps names that merely sound alike).
   */
  private evaluate(levels: Uint8Array, a: Prepared, out?: Float64Array): number {
    const shared = this.families && COMPARISONS.some((_, f) => HOUSEHOLD[f] && sharesHome(f, levels[f]!));
    const family = this.evaluateAs(levels, a, shared, false, out);
    if (!shared || !SAME_FIRST.includes(levels[FIRST]!)) return family;
    const apartOut = out ? new Float64Array(out.length) : undefined;
    const apart = this.evaluateAs(levels, a, false, true, apartOut);
    if (apart > family && out && apartOut) out.set(apartOut);
    return Math.max(family, apart);
  }

  private evaluateAs(levels: Uint8Array, a: Prepared, family: boolean, withoutHome: boolean, out?: Float64Array): number {
    const table = family ? this.familyWeights : this.weights;
    let strongest = -1;
    let home = 0;
    let w = this.priorWeight;
    for (let f = 0; f < COMPARISONS.length; f++) {
      const level = levels[f]!;
      if (out) out[f] = 0;
      if (level === 0 || (withoutHome && HOUSEHOLD[f] && sharesHome(f, level))) continue;
      // Within a family a shared surname's rarity says nothing.
      const lw = this.fieldWeight(f, level, table, a, f === FIRST || !family);
      if (this.families && HOUSEHOLD[f] && lw > 0) {
        if (lw > home) {
          home = lw;
          strongest = f;
        }
        continue;
      }
      w += lw;
      if (out) out[f] = lw;
    }
    const counted = family ? Math.min(home, this.homeCap) : home;
    if (out && strongest >= 0) out[strongest] = counted;
    return w + counted;
  }

  /** Levels of every comparison for a pair (for training and explanation). */
  levels(a: Prepared, b: Prepared, out: Uint8Array = new Uint8Array(COMPARISONS.length)): Uint8Array {
    for (let f = 0; f < COMPARISONS.length; f++) out[f] = COMPARISONS[f]!.compare(a, b);
    return out;
  }

  /** The probability, each field's contribution, and words a practitioner can check. */
  explain(a: Prepared, b: Prepared): PairScore {
    const levels = this.levels(a, b);
    const shared = this.families && COMPARISONS.some((_, f) => HOUSEHOLD[f] && sharesHome(f, levels[f]!));
    const perField = new Float64Array(COMPARISONS.length);
    const w = this.evaluate(levels, a, perField);
    const contributions: Contribution[] = [];
    const conflicts: string[] = [];
    COMPARISONS.forEach((c, f) => {
      const level = levels[f]!;
      if (level === 0) return;
      let text = c.describe(a, b, level);
      if (level === 1 && (f === FIRST || (f === LAST && !shared)) && this.tf) {
        const adj = this.tfAdjust(f, a);
        if (adj < -1) text += ' (a common name)';
        else if (adj > 1) text += ' (an uncommon name)';
      }
      contributions.push({ field: c.field, level: c.levels[level]!, weight: Math.round(perField[f]! * 100) / 100, text });
      if (c.field === 'nhs_number' && level === 3) conflicts.push('different NHS numbers');
      if (c.field === 'parents' && level === 2) conflicts.push('recorded parents all different');
    });
    // Brothers and sisters share everything about a home; what sets them apart is who they are.
    if (levels[NHS] !== 1) {
      if (levels[FIRST] === FIRST_DIFFERENT && levels[DOB] === DOB_DIFFERENT) conflicts.push('different first name and date of birth');
      // Twins share a home and a birthday and are often given names alike (Jack and Jake, Aiden and
      // Ayden); one mistyped letter (Jak for Jack, Jaro–Winkler ≥ 0.92) is a typing error, not a twin.
      else if (shared && levels[DOB] === 1 && levels[FIRST]! > 1 && levels[FIRST] !== FIRST_TYPO) conflicts.push('same home and date of birth but not the same first name: twins?');
    }
    return {
      probability: probability(w),
      matchWeight: Math.round(w * 100) / 100,
      contributions,
      explanation: contributions.map((c) => c.text).join('; '),
      conflicts,
    };
  }
}
