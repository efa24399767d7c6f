import { forEachCandidate, type BlockingStats } from './blocking.ts';
import { fieldsPresent, probability, Scorer, termFrequencies, weightOf, type MatchModel } from './model.ts';
import { NameInterner, prepare, type MatchInput, type Prepared } from './record.ts';
import { train } from './train.ts';

/** Scored pairs in typed arrays: a million-record run can keep millions of them. */
export class PairList {
  left = new Int32Array(1024);
  right = new Int32Array(1024);
  weight = new Float64Array(1024);
  length = 0;

  push(i: number, j: number, w: number): void {
    if (this.length === this.left.length) {
      const grow = <T extends Int32Array | Float64Array>(a: T): T => {
        const b = new (a.constructor as new (n: number) => T)(a.length * 2);
        b.set(a);
        return b;
      };
      this.left = grow(this.left);
      this.right = grow(this.right);
      this.weight = grow(this.weight);
    }
    this.left[this.length] = i;
    this.right[this.length] = j;
    this.weight[this.length] = w;
    this.length++;
  }

  /** Indexes of the pairs, highest weight first. */
  order(): Uint32Array {
    const idx = new Uint32Array(this.length);
    for (let k = 0; k < this.length; k++) idx[k] = k;
    const w = this.weight;
    return idx.sort((a, b) => w[b]! - w[a]!);
  }
}

export interface MatchOptions {
  /** A saved model; without one, one is trained on these records. */
  model?: MatchModel | undefined;
  /** Pairs below this probability are not kept (default 0.5). */
  minProbability?: number;
  seed?: number;
  progress?: ((stage: 'prepare' | 'train' | 'compare', fraction: number) => void) | undefined;
  /** Called for every candidate pair before scoring (benchmarks count blocking recall with it). */
  onCandidate?: ((i: number, j: number) => void) | undefined;
}

export interface MatchResult {
  records: Prepared[];
  /** Pair indexes refer to the concatenation left ++ right when linking. */
  pairs: PairList;
  candidates: number;
  blocking: BlockingStats[];
  model: MatchModel;
  seconds: { prepare: number; train: number; compare: number };
}

const seconds = (t0: number): number => (performance.now() - t0) / 1000;

function run(inputs: readonly MatchInput[], side: Uint8Array | undefined, opts: MatchOptions): MatchResult {
  let t = performance.now();
  const interner = new NameInterner();
  const records = inputs.map((x) => prepare(x, interner));
  opts.progress?.('prepare', 1);
  const tPrepare = seconds(t);
  t = performance.now();
  const model = opts.model ?? train(records, { side, seed: opts.seed });
  opts.progress?.('train', 1);
  const tTrain = seconds(t);
  t = performance.now();
  const scorer = new Scorer(model, termFrequencies(records), model.probabilityTwoRandomRecordsMatch, fieldsPresent(records));
  const minWeight = weightOf(Math.min(Math.max(opts.minProbability ?? 0.5, 1e-12), 1 - 1e-12));
  const pairs = new PairList();
  let candidates = 0;
  const blocking = forEachCandidate(records, { side, progress: opts.progress ? (f) => opts.progress!('compare', f) : undefined }, (i, j) => {
    candidates++;
    opts.onCandidate?.(i, j);
    const w = scorer.weight(records[i]!, records[j]!, minWeight);
    if (w >= minWeight) pairs.push(i, j, w);
  });
  opts.progress?.('compare', 1);
  return { records, pairs, candidates, blocking, model, seconds: { prepare: tPrepare, train: tTrain, compare: seconds(t) } };
}

/** Finds records within one list that are the same person. */
export function dedupe(inputs: readonly MatchInput[], opts: MatchOptions = {}): MatchResult {
  return run(inputs, undefined, opts);
}

/** Finds records in `right` that are the same person as records in `left` (right indexes start at left.length). */
export function link(left: readonly MatchInput[], right: readonly MatchInput[], opts: MatchOptions = {}): MatchResult {
  const side = new Uint8Array(left.length + right.length);
  side.fill(1, left.length);
  return run([...left, ...right], side, opts);
}

export { probability };
