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
