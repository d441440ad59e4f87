import { diag } from '@opentelemetry/api';
import { CompiledRules } from './thresholds.js';
import { describeChanges, type LevelRules, mergeRules, parseRulesText } from './rules.js';
import type { RuleChange } from './rule-change-record.js';
import type { RuleSource } from './rule-sources.js';

/** The rules layers, lowest precedence first. */
export type RulesLayer = 'env' | 'file' | 'url' | 'api';
const ORDER: readonly RulesLayer[] = ['env', 'file', 'url', 'api'];

/**
 * The logging rules in force: one layer per source (environment < file < URL < `setLevel`), merged
 * and precompiled into {@link CompiledRules} on every change. The emit path reads `current` only.
 * Every change, and every refused document, is reported through `audit` (an un-droppable record).
 */
export class RuleBook {
  current: CompiledRules;
  changes = 0;
  errors = 0;
  private readonly layers = new Map<RulesLayer, LevelRules>();
  private readonly lastText = new Map<RulesLayer, string>();
  private readonly lastError = new Map<RulesLayer, string>();
  private readonly sources: RuleSource[] = [];

  constructor(
    env: LevelRules,
    private readonly audit: (entry: RuleChange) => void,
  ) {
    this.layers.set('env', env);
    this.current = new CompiledRules(mergeRules([env]));
  }

  /**
   * Replaces one layer; audits the difference, if any (not for the rules read at startup, which are
   * configuration rather than a change). Returns the lines that changed.
   */
  set(layer: RulesLayer, rules: LevelRules, origin: string, audit = true): string[] {
    const changes = describeChanges(this.layers.get(layer) ?? {}, rules);
    this.layers.set(layer, rules);
    this.lastError.delete(layer);
    if (changes.length === 0) return changes;
    this.current = new CompiledRules(mergeRules(ORDER.map((name) => this.layers.get(name) ?? {})));
    if (!audit) return changes;
    this.changes++;
    this.audit({ outcome: 'changed', source: layer, origin, changes });
    return changes;
  }

  layer(layer: RulesLayer): LevelRules {
    return this.layers.get(layer) ?? {};
  }

  /** Takes a source's text: applied when valid, refused (last good rules kept, reason reported once) when not. */
  load(source: RuleSource, text: string, where: string): void {
    if (this.lastText.get(source.kind) === text) return;
    this.lastText.set(source.kind, text);
    let rules: LevelRules;
    try {
      rules = parseRulesText(text, where);
    } catch (error) {
      this.reject(source, error);
      return;
    }
    this.set(source.kind, rules, source.origin);
  }

  /** Starts watching or polling; `where` names the variable for messages (`OTEL_LOGKIT_LEVELS_FILE (/path)`). */
  follow(source: RuleSource, where: string, initialText?: string): void {
    if (initialText !== undefined) this.lastText.set(source.kind, initialText);
    this.sources.push(source);
    source.start({ text: (text) => this.load(source, text, where), error: (error) => this.reject(source, error) });
  }

  stop(): void {
    for (const source of this.sources) source.stop();
  }

  /** The last good rules stay; each distinct reason is counted, logged to diag and audited once. */
  private reject(source: RuleSource, error: unknown): void {
    const reason = error instanceof Error ? error.message : String(error);
    if (this.lastError.get(source.kind) === reason) return;
    this.lastError.set(source.kind, reason);
    // A file that changes again must be re-read even if its text comes back to what we last saw.
    this.lastText.delete(source.kind);
    this.errors++;
    diag.warn(`otel-logkit: logging rules from ${source.origin} rejected, keeping the last good rules: ${reason}`);
    this.audit({ outcome: 'rejected', source: source.kind, origin: source.origin, error: reason });
  }
}
