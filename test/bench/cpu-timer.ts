/**
 * Median CPU ns per call of `run(i)` over `n` calls: warm-up rounds, then timed rounds, best median
 * of `passes` passes. CPU time of this process (`process.cpuUsage`), not wall-clock time, so other
 * processes on a shared machine inflate the figures less (they still share caches and cores).
 */
export function medianCpuNs(run: (i: number) => void, { n = 10_000, rounds = 7, warmup = 2, passes = 2 } = {}): number {
  let best = Infinity;
  for (let pass = 0; pass < passes; pass++) {
    globalThis.gc?.();
    const medians: number[] = [];
    for (let r = 0; r < warmup + rounds; r++) {
      const start = process.cpuUsage();
      for (let i = 0; i < n; i++) run(i);
      const used = process.cpuUsage(start);
      if (r >= warmup) medians.push(((used.user + used.system) * 1000) / n);
    }
    medians.sort((a, b) => a - b);
    best = Math.min(best, medians[Math.floor(medians.length / 2)]!);
  }
  return best;
}
