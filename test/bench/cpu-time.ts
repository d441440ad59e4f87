/**
 * Median CPU ns per call of `run(i)` over `n` calls, best of the rounds' medians in two passes.
 * `beforeRound` (outside the timing) prepares fresh inputs where a round would change them. One GC
 * per pass, not per round: a forced GC clears the weak references of optimised code and makes the
 * next round start deoptimised. CPU time (`process.cpuUsage`), not wall-clock time, so that other
 * processes on a shared machine do not inflate the figures.
 */
export function cpuNsPerCall(run: (i: number) => void, { n, rounds, warmup }: { n: number; rounds: number; warmup: number }, beforeRound: () => void = () => {}): number {
  let best = Infinity;
  for (let pass = 0; pass < 2; pass++) {
    globalThis.gc?.();
    const perRound: number[] = [];
    for (let r = 0; r < warmup + rounds; r++) {
      beforeRound();
      const start = process.cpuUsage();
      for (let i = 0; i < n; i++) run(i);
      const used = process.cpuUsage(start);
      if (r >= warmup) perRound.push(((used.user + used.system) * 1000) / n);
    }
    perRound.sort((a, b) => a - b);
    best = Math.min(best, perRound[Math.floor(perRound.length / 2)]!);
  }
  return best;
}
