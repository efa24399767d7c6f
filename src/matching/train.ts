import { DOB_RULE, forEachCandidate, NAMES_SOUND_RULE, groupByKey, ruleKeys, type BlockingRule } from './blocking.ts';
import { COMPARISONS, DATE_OF_BIRTH, FIRST_NAME } from './comparisons.ts';
import { DEFAULT_HOUSEHOLD, defaultModel, Scorer, type FieldParams, type MatchModel, type TrainingSession } from './model.ts';
import type { Prepared } from './record.ts';

/** mulberry32: a small seeded generator, so training and benchmarks repeat exactly. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NF = COMPARISONS.length;

/** Comparison vectors counted by pattern: EM then works on a few thousand patterns, not millions of pairs. */
export class PatternCounts {
  private readonly index = new Map<number, number>();
  readonly patterns: number[][] = [];
  readonly counts: number[] = [];
  total = 0;

  add(levels: Uint8Array, n = 1): void {
    let key = 0;
    for (let f = 0; f < NF; f++) key = key * 8 + levels[f]!;
    let i = this.index.get(key);
    if (i === undefined) {
      i = this.patterns.length;
      this.index.set(key, i);
      this.patterns.push(Array.from(levels));
      this.counts.push(0);
    }
    this.counts[i]! += n;
    this.total += n;
  }
}

export interface EmResult {
  m: number[][];
  lambda: number;
  iterations: number;
  converged: boolean;
}

/**
 * Expectation–maximisation for the Fellegi–Sunter mixture with u held fixed (as Splink does by
 * default: u comes from random pairs, where almost every pair is a non-match). Only the fields
 * in `estimate` enter the likelihood: a field the training block agrees on by construction
 * tells nothing there.
 */
export function expectationMaximisation(data: PatternCounts, u: number[][], mStart: number[][], estimate: boolean[], opts: { maxIterations?: number; tolerance?: number; lambdaStart?: number } = {}): EmResult {
  const maxIterations = opts.maxIterations ?? 200;
  const tolerance = opts.tolerance ?? 1e-6;
  let m = mStart.map((x) => [...x]);
  let lambda = opts.lambdaStart ?? 0.3;
  let iterations = 0;
  let converged = false;
  while (iterations < maxIterations) {
    iterations++;
    const mNew = m.map((x) => x.map(() => 0));
    let matchMass = 0;
    for (let p = 0; p < data.patterns.length; p++) {
      const levels = data.patterns[p]!;
      let pm = lambda;
      let pu = 1 - lambda;
      for (let f = 0; f < NF; f++) {
        const l = levels[f]!;
        if (!estimate[f] || l === 0) continue;
        pm *= m[f]![l]!;
        pu *= u[f]![l]!;
      }
      const w = pm / (pm + pu || 1);
      const c = data.counts[p]! * w;
      matchMass += c;
      for (let f = 0; f < NF; f++) {
        const l = levels[f]!;
        if (estimate[f] && l !== 0) mNew[f]![l]! += c;
      }
    }
    let change = Math.abs(matchMass / data.total - lambda);
    lambda = Math.min(Math.max(matchMass / data.total, 1e-9), 1 - 1e-9);
    for (let f = 0; f < NF; f++) {
      if (!estimate[f]) continue;
      const row = mNew[f]!;
      const sum = row.reduce((s, x, l) => (l === 0 ? s : s + x), 0);
      if (sum <= 0) {
        mNew[f] = m[f]!;
        continue;
      }
      for (let l = 1; l < row.length; l++) {
        // A level never seen among matches is rare, not impossible: one in a thousand at least.
        row[l] = Math.max(row[l]! / sum, 1e-3);
        change = Math.max(change, Math.abs(row[l]! - m[f]![l]!));
      }
    }
    m = mNew;
    if (change < tolerance) {
      converged = true;
      break;
    }
  }
  return { m, lambda, iterations, converged };
}

/**
 * Whether the data record families: people at one exact address with one surname but a different
 * first name and a different date of birth (brothers, sisters, a parent). Duplicates almost never
 * differ on both, and strangers at one address (a block of flats, a synthetic address pool) almost
 * never share a surname, so in every benchmark file this is near zero; where one entry in five or
 * more has such a family member, the stated household model (DEFAULT_HOUSEHOLD) applies.
 */
export function familiesRecorded(records: readonly Prepared[]): boolean {
  const atAddress = new Map<string, number[]>();
  for (let i = 0; i < records.length; i++) {
    const addr = records[i]!.addr;
    if (!addr) continue;
    const group = atAddress.get(addr);
    if (group) group.push(i);
    else atAddress.set(addr, [i]);
  }
  let withAddress = 0;
  let withFamily = 0;
  for (const group of atAddress.values()) {
    withAddress += group.length;
    // Fifty at one address is an institution or a placeholder, not a family.
    if (group.length < 2 || group.length > 50) continue;
    for (const i of group) {
      const a = records[i]!;
      if (!a.last || !a.first || !a.dob) continue;
      if (group.some((j) => j !== i && isFamilyMember(a, records[j]!))) withFamily++;
    }
  }
  return withAddress > 0 && withFamily / withAddress >= 0.2;
}

const isFamilyMember = (a: Prepared, b: Prepared): boolean =>
  a.last === b.last && b.first !== '' && b.dob !== '' && FIRST_NAME.compare(a, b) === FIRST_DIFFERENT && DATE_OF_BIRTH.compare(a, b) === DOB_DIFFERENT;
const FIRST_DIFFERENT = FIRST_NAME.levels.indexOf('different');
const DOB_DIFFERENT = DATE_OF_BIRTH.levels.indexOf('different');

export interface TrainOptions {
  seed?: number;
  /** For linking two files: side[i] is 0 (left) or 1 (right). */
  side?: Uint8Array | undefined;
  /** Random pairs used to estimate u. */
  uPairs?: number;
  /** Records sampled for the EM sessions on large inputs (pairs within blocks grow with its square). */
  maxTrainingRecords?: number;
  /** Pairs compared per EM session at most. */
  maxPairsPerSession?: number;
  description?: string;
  clock?: () => Date;
}

interface Session {
  rule: BlockingRule;
  /** Fields left out: the rule makes them agree. */
  fixed: string[];
}

const SESSIONS: Session[] = [
  { rule: DOB_RULE, fixed: ['date_of_birth'] },
  { rule: NAMES_SOUND_RULE, fixed: ['first_name', 'last_name', 'middle_names'] },
];

/**
 * Estimates a model from unlabelled records: u from random pairs, m by EM on pairs blocked on
 * date of birth (learning the name and address fields) and on names (learning date of birth and
 * the rest), and λ from how many pairs in the date-of-birth block are matches.
 */
export function train(records: readonly Prepared[], opts: TrainOptions = {}): MatchModel {
  const rnd = seededRandom(opts.seed ?? 42);
  const base = defaultModel();
  const scorer = new Scorer(base, null);
  const n = records.length;
  const side = opts.side;
  const left: number[] = [];
  const right: number[] = [];
  if (side) for (let i = 0; i < n; i++) (side[i] === 0 ? left : right).push(i);

  // u: random pairs. Missing values are left out of the denominators, like level 0 everywhere.
  const uPairs = opts.uPairs ?? Math.min(300_000, Math.max(50_000, n * 20));
  const uCounts = COMPARISONS.map((c) => new Float64Array(c.levels.length));
  const levels = new Uint8Array(NF);
  for (let k = 0; k < uPairs; k++) {
    let i: number;
    let j: number;
    if (side) {
      i = left[Math.floor(rnd() * left.length)]!;
      j = right[Math.floor(rnd() * right.length)]!;
    } else {
      i = Math.floor(rnd() * n);
      j = Math.floor(rnd() * (n - 1));
      if (j >= i) j++;
    }
    scorer.levels(records[i]!, records[j]!, levels);
    for (let f = 0; f < NF; f++) uCounts[f]![levels[f]!]!++;
  }
  const u = COMPARISONS.map((c, f) => {
    const counts = uCounts[f]!;
    const present = counts.reduce((s, x, l) => (l === 0 ? s : s + x), 0);
    const def = base.fields[c.field]!.u;
    if (present < 100) return [...def];
    // Half a pair as the floor: a level never seen among random pairs is rare, not impossible.
    return Array.from(counts, (x, l) => (l === 0 ? 0 : Math.max(x, 0.5) / present));
  });

  // EM sessions on a sample of records when the input is large.
  const maxRecords = opts.maxTrainingRecords ?? 150_000;
  const sampleIdx: number[] = [];
  if (n > maxRecords) {
    for (let i = 0; i < n; i++) if (rnd() < maxRecords / n) sampleIdx.push(i);
  }
  const sample = sampleIdx.length ? sampleIdx.map((i) => records[i]!) : records;
  const sampleSide = side && sampleIdx.length ? Uint8Array.from(sampleIdx, (i) => side[i]!) : side;

  const mSum = COMPARISONS.map((c) => new Array<number>(c.levels.length).fill(0));
  const mCount = new Array<number>(NF).fill(0);
  const sessions: TrainingSession[] = [];
  let dobBlockLambda = 0;
  let dobBlockPairsSample = 0;
  for (const s of SESSIONS) {
    const data = new PatternCounts();
    // EM needs a few hundred thousand pairs, not every pair in the block: sample them evenly.
    const { keys, count } = ruleKeys(sample, s.rule);
    const { offsets } = groupByKey(keys, count);
    let blockPairs = 0;
    for (let k = 0; k < count; k++) {
      const size = offsets[k + 1]! - offsets[k]!;
      if (size <= 2000) blockPairs += (size * (size - 1)) / 2;
    }
    const keep = Math.min(1, (opts.maxPairsPerSession ?? 400_000) / Math.max(blockPairs, 1));
    forEachCandidate(sample, { rules: [s.rule], side: sampleSide, maxBlockSize: 2000 }, (i, j) => {
      if (keep < 1 && rnd() >= keep) return;
      scorer.levels(sample[i]!, sample[j]!, levels);
      data.add(levels);
    });
    const estimate = COMPARISONS.map((c) => !s.fixed.includes(c.field) && c.field !== 'parents');
    if (data.total < 50) continue;
    // Levels at which a field has almost no data cannot be estimated.
    for (let f = 0; f < NF; f++) {
      if (!estimate[f]) continue;
      let present = 0;
      for (let p = 0; p < data.patterns.length; p++) if (data.patterns[p]![f]! > 0) present += data.counts[p]!;
      if (present < 50) estimate[f] = false;
    }
    const mStart = COMPARISONS.map((c) => [...base.fields[c.field]!.m]);
    const r = expectationMaximisation(data, u, mStart, estimate);
    for (let f = 0; f < NF; f++) {
      if (!estimate[f]) continue;
      mCount[f]!++;
      for (let l = 1; l < r.m[f]!.length; l++) mSum[f]![l]! += r.m[f]![l]!;
    }
    if (s.rule.name === 'dob') {
      dobBlockLambda = r.lambda;
      dobBlockPairsSample = data.total / keep;
    }
    sessions.push({ blockedOn: s.rule.name, pairs: data.total, iterations: r.iterations, converged: r.converged, lambda: r.lambda, estimated: COMPARISONS.filter((_, f) => estimate[f]).map((c) => c.field) });
  }

  const fields: Record<string, FieldParams> = {};
  COMPARISONS.forEach((c, f) => {
    const estimated = mCount[f]! > 0;
    fields[c.field] = {
      levels: [...c.levels],
      m: estimated ? mSum[f]!.map((x, l) => (l === 0 ? 0 : x / mCount[f]!)) : [...base.fields[c.field]!.m],
      u: u[f]!,
      source: estimated ? 'em' : 'default',
    };
  });

  // λ: matches in the date-of-birth block (λ there × all its pairs), divided by the share of
  // matches that agree on date of birth (m of exact or swapped, learned in the names session).
  const totalPairs = side ? left.length * right.length : (n * (n - 1)) / 2;
  let prior = 1 / Math.max(n, 2);
  const mDob = fields.date_of_birth!;
  if (dobBlockPairsSample > 0 && mDob.source === 'em') {
    const { keys, count } = ruleKeys(records, SESSIONS[0]!.rule);
    const { offsets, members } = groupByKey(keys, count);
    let fullPairs = 0;
    for (let k = 0; k < count; k++) {
      const size = offsets[k + 1]! - offsets[k]!;
      if (size < 2 || size > 2000) continue;
      if (side) {
        let l = 0;
        for (let x = offsets[k]!; x < offsets[k + 1]!; x++) if (side[members[x]!] === 0) l++;
        fullPairs += l * (size - l);
      } else fullPairs += (size * (size - 1)) / 2;
    }
    const withDob = records.reduce((s, r) => s + (r.dob ? 1 : 0), 0) / Math.max(n, 1);
    const matches = (dobBlockLambda * fullPairs) / Math.max(mDob.m[1]! + mDob.m[2]!, 0.05) / Math.max(withDob * withDob, 0.05);
    prior = Math.min(Math.max(matches / totalPairs, 1e-12), 0.5);
  }
  const model: MatchModel = {
    version: 1,
    description: opts.description ?? 'Trained by expectation–maximisation without labels.',
    trainedAt: (opts.clock?.() ?? new Date()).toISOString(),
    records: n,
    probabilityTwoRandomRecordsMatch: prior,
    duplicatesPerRecord: side ? prior * Math.max(left.length, right.length) : prior * (n - 1),
    fields,
    termFrequencyFields: ['first_name', 'last_name'],
    household: familiesRecorded(records) ? structuredClone(DEFAULT_HOUSEHOLD) : undefined,
    training: { uPairs, sessions },
  };
  return model;
}
