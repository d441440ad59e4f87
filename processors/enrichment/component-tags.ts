import type { ComponentTagRule } from './config.js';

/** Past this many distinct logger names we stop caching (a program that makes loggers per request). */
const MAX_CACHED_COMPONENTS = 1000;

/**
 * The tags every record of one component carries: the static tags, then those of every component
 * rule whose pattern matches the logger (instrumentation scope) name. Resolved once per logger name,
 * not per record.
 */
export class ComponentTags {
  private readonly cache = new Map<string, readonly string[]>();
  // Consecutive records mostly come from the same logger: skip even the map lookup then.
  private lastComponent: string | undefined;
  private lastTags: readonly string[] = [];

  constructor(
    private readonly staticTags: readonly string[],
    private readonly rules: readonly ComponentTagRule[],
  ) {}

  for(component: string): readonly string[] {
    if (component === this.lastComponent) return this.lastTags;
    let tags = this.cache.get(component);
    if (tags === undefined) {
      tags = this.resolve(component);
      if (this.cache.size < MAX_CACHED_COMPONENTS) this.cache.set(component, tags);
    }
    this.lastComponent = component;
    this.lastTags = tags;
    return tags;
  }

  private resolve(component: string): readonly string[] {
    if (this.rules.length === 0) return this.staticTags;
    const out = new Set(this.staticTags);
    for (const rule of this.rules) if (rule.matches(component)) for (const tag of rule.tags) out.add(tag);
    return Object.freeze([...out]);
  }
}
