import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { coresAvailable } from '../../../src/collector/cores.js';

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

/** A cgroup filesystem as a container sees it: `files` relative to its root. */
function cgroup(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'logkit-cgroup-'));
  roots.push(root);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), `${content}\n`);
  }
  return root;
}

describe('coresAvailable: the collector’s default worker count', () => {
  it('is capped by a cgroup v2 quota, rounded up, and never below one', () => {
    expect(coresAvailable(cgroup({ 'cpu.max': '50000 100000' }))).toBe(1);
    expect(coresAvailable(cgroup({ 'cpu.max': '150000 100000' }))).toBe(Math.min(2, availableParallelism()));
    expect(coresAvailable(cgroup({ 'cpu.max': '1000 100000' }))).toBe(1);
  });

  it('is capped by a cgroup v1 quota', () => {
    expect(coresAvailable(cgroup({ 'cpu/cpu.cfs_quota_us': '100000', 'cpu/cpu.cfs_period_us': '100000' }))).toBe(1);
    expect(coresAvailable(cgroup({ 'cpu,cpuacct/cpu.cfs_quota_us': '50000', 'cpu,cpuacct/cpu.cfs_period_us': '100000' }))).toBe(1);
  });

  it('is the CPU count without a quota, or without cgroup files', () => {
    expect(coresAvailable(cgroup({ 'cpu.max': 'max 100000' }))).toBe(availableParallelism());
    expect(coresAvailable(cgroup({ 'cpu/cpu.cfs_quota_us': '-1', 'cpu/cpu.cfs_period_us': '100000' }))).toBe(availableParallelism());
    expect(coresAvailable(cgroup({}))).toBe(availableParallelism());
  });
});
