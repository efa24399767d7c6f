import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Batcher } from './batching.ts';

describe('coalescing requests into batches', () => {
  it('every caller gets the answer to its own request, however the requests fall into batches', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer(), { minLength: 1, maxLength: 200 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 50 }), async (inputs, inFlight, maxBatch) => {
        const sizes: number[] = [];
        const b = new Batcher<number, string>(async (xs) => {
          sizes.push(xs.length);
          await new Promise((resolve) => setImmediate(resolve));
          return xs.map((x) => `answer to ${x}`);
        }, inFlight, maxBatch);
        const answers = await Promise.all(inputs.map((x) => b.submit(x)));
        expect(answers).toEqual(inputs.map((x) => `answer to ${x}`));
        expect(sizes.reduce((a, n) => a + n, 0)).toBe(inputs.length);
        expect(Math.max(...sizes)).toBeLessThanOrEqual(maxBatch);
        // The first request goes at once, alone; those arriving meanwhile go together.
        expect(sizes[0]).toBe(1);
        if (inputs.length >= inFlight + 2 && maxBatch > 1) expect(sizes.length).toBeLessThan(inputs.length);
      }),
    );
  });

  it('a failed batch fails each of its requests, not the ones after it', async () => {
    let call = 0;
    const b = new Batcher<number, number>(async (xs) => {
      call += 1;
      await new Promise((resolve) => setImmediate(resolve));
      if (call === 2) throw new Error('the database went away');
      return xs.map((x) => x * 2);
    });
    const results = await Promise.allSettled([1, 2, 3].map((x) => b.submit(x)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected']);
    expect(await b.submit(4)).toBe(8);
  });

  it('an answer of the wrong length is a failure, never answers handed to the wrong callers', async () => {
    const b = new Batcher<number, number>((xs) => Promise.resolve(xs.slice(1)));
    await expect(b.submit(1)).rejects.toThrow(/A batch of 1 was answered with 0/);
  });
});
