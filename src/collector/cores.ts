import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';

/**
 * The cores this process may use: the CPUs it may run on, capped by its cgroup's CPU quota (a
 * container limited to 1.5 CPUs on a 64-core node gets 2, not 64). cgroup v2 (`cpu.max`) and v1
 * (`cpu.cfs_quota_us` / `cpu.cfs_period_us`) are read from `root`; no quota, or no cgroup files
 * (macOS, Windows), leaves the CPU count as it is.
 *
 * @example
 * const workers = coresAvailable(); // the collector's default OTEL_LOGKIT_COLLECTOR_WORKERS
 */
export function coresAvailable(root = '/sys/fs/cgroup'): number {
  const cpus = availableParallelism();
  const quota = cgroupQuota(root);
  return quota === undefined ? cpus : Math.max(1, Math.min(cpus, Math.ceil(quota)));
}

/** The cgroup's CPU quota in CPUs, or undefined when there is none. */
function cgroupQuota(root: string): number | undefined {
  const v2 = read(join(root, 'cpu.max'));
  if (v2 !== undefined) {
    const [quota, period] = v2.split(/\s+/);
    return ratio(quota, period);
  }
  for (const dir of ['cpu', 'cpu,cpuacct']) {
    const quota = read(join(root, dir, 'cpu.cfs_quota_us'));
    if (quota !== undefined) return ratio(quota, read(join(root, dir, 'cpu.cfs_period_us')));
  }
  return undefined;
}

function ratio(quota: string | undefined, period: string | undefined): number | undefined {
  const q = Number(quota);
  const p = Number(period);
  // "max" (v2) and -1 (v1) mean no quota.
  return Number.isFinite(q) && q > 0 && Number.isFinite(p) && p > 0 ? q / p : undefined;
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}
