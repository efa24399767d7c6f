/** The time source for services, replaceable in tests that need a fixed "now". */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export const fixedClock = (iso: string): Clock & { set(iso: string): void; advanceMinutes(m: number): void } => {
  let current = new Date(iso);
  return {
    now: () => new Date(current),
    set: (next: string) => {
      current = new Date(next);
    },
    advanceMinutes: (m: number) => {
      current = new Date(current.getTime() + m * 60_000);
    },
  };
};
