/**
 * Coalescing for a hot path: requests that arrive while a batch is on its way to the database go
 * together in the next one, so fifty concurrent callers cost a few statements, not fifty. A lone
 * request is sent at once, without waiting for company; nothing is held back on a timer.
 *
 * Each batch is one statement (its own transaction, all or nothing): if it fails, every request
 * in it fails, and none is answered as if it had succeeded.
 */
export class Batcher<In, Out> {
  private queue: { input: In; resolve: (out: Out) => void; reject: (err: unknown) => void }[] = [];
  private inFlight = 0;

  /**
   * @param run answers a batch, one output per input in the same order
   * @param maxInFlight batches on their way at once
   * @param maxBatch requests in one batch at most (keeps each statement's parameters small)
   */
  constructor(
    private readonly run: (inputs: In[]) => Promise<Out[]>,
    private readonly maxInFlight = 1,
    private readonly maxBatch = 500,
  ) {}

  submit(input: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      if (this.inFlight < this.maxInFlight) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.inFlight++;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        try {
          const outs = await this.run(batch.map((b) => b.input));
          if (outs.length !== batch.length) throw new Error(`A batch of ${batch.length} was answered with ${outs.length}`);
          batch.forEach((b, i) => b.resolve(outs[i]!));
        } catch (err) {
          for (const b of batch) b.reject(err);
        }
      }
    } finally {
      this.inFlight--;
    }
  }
}

/** One batcher per database (and per purpose), made on first use. */
export function perDatabase<K extends object, B>(make: (key: K) => B): (key: K) => B {
  const made = new WeakMap<K, B>();
  return (key) => {
    let b = made.get(key);
    if (!b) made.set(key, (b = make(key)));
    return b;
  };
}

/**
 * How many batches a hot path keeps on their way at once. On a PostgreSQL server, a few: a request
 * arriving while a batch is on its way then starts its own at once on another pooled connection,
 * instead of waiting for that batch's round trip (and, for a write, its commit) and then for its
 * own; only when they are all busy do requests queue, and then coalesce as before. PGlite runs one
 * statement at a time, so a second batch would only wait in its queue: one, and coalescing is the
 * whole benefit.
 */
export const batchesInFlight = (db: object, onServer: number): number => ((db as { kind?: unknown }).kind === 'postgres' ? onServer : 1);
