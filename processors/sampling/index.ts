import { type Context, diag, SeverityNumber } from '@opentelemetry/api';
import type { EmitFilter } from '../../src/core/emit-filter.js';
import { isAuditRecord } from '../../src/core/audit-record.js';
import { DEFERRAL_ATTRIBUTES, SAMPLING_ATTRIBUTES } from '../../src/core/attributes.js';
import { ConfigError } from '../../src/core/errors.js';
import { currentExecution, type Execution, onExecutionEnd } from '../../src/core/execution.js';
import type { LogkitRecord } from '../../src/core/record.js';
import { parseSeverity, SEVERITY_FORM } from '../../src/core/severity.js';
import type { LogStage, StageContext, WriteVerdict } from '../../src/core/stage.js';
import { ReasonCounter, type ReasonCounts } from '../../src/core/stats.js';
import { DeferredBuffer } from './deferred/deferred-buffer.js';
import { onLocalRootSpanError } from './deferred/flush-on-span-error.js';
import { type Deferral, ForwardingDeferral } from './deferred/forward.js';
import { type RuleChange, ruleChangeRecord } from './rule-change-record.js';
import { keepByRatio } from './ratio-sampler.js';
import { AdaptiveSampler } from './adaptive-sampler.js';
import { RateLimiter } from './rate-limiter.js';
import type { SamplingConfig } from './config.js';
import { RuleBook } from './rule-book.js';
import { FileRuleSource, HttpRuleSource } from './rule-sources.js';
import { checkPattern, type LevelRules, type RateLimitRule } from './rules.js';
import type { CompiledRules } from './thresholds.js';

/** `stats().sampling`: thresholds, ratios and rate limits. */
export type SamplingStatsSection = {
  passed: number;
  dropped: ReasonCounts;
  deferred: number;
  /** Records the application marked audit (`log.type=audit`), passed with no threshold, ratio, rate limit or deferral. */
  audit_passed: number;
  /** Audit records the stage wrote itself (a rule change). */
  audit_records: number;
  rules_changes: number;
  rules_errors: number;
  internal_errors: number;
};

/**
 * The sampling stage, with runtime threshold control; as an {@link EmitFilter} it tells the SDK
 * processor which records it would drop before the SDK builds them.
 */
export interface SamplingStage extends LogStage, EmitFilter {
  /**
   * Changes a threshold at runtime, effective for the next record: `pattern` is a logger-name pattern
   * (`billing.*`, `http`) or `*` for the global level; `level` a severity name or number, or `default`
   * to remove what an earlier `setLevel` set for that pattern. Throws a `ConfigError` on a bad argument.
   */
  setLevel(pattern: string, level: SeverityNumber | string): void;
  /** Releases every held history at once (the process is crashing: all unfinished work failed). Synchronous. */
  releaseHeld(): void;
}

/**
 * Decides, per record, what goes on to redaction and export:
 * 1. below its threshold (the execution's own level if set, else the most specific logger rule, else
 *    the global level) it is held for deferral (or dropped when deferral is off), unless its execution
 *    already released its history, in which case it passes;
 * 2. at or above the flush level it first releases the held history of its execution (or the ring);
 * 3. a sampling ratio for its severity keeps all or none of a trace;
 * 4. under backpressure (a destination queue past its high-water mark) adaptive sampling lowers the
 *    ratios of DEBUG, then INFO (never WARN and above, audit records or released histories), counted
 *    `backpressure`; a record it keeps says its ratio in `logkit.sampling.ratio`;
 * 5. a token bucket per logger + severity range stops floods.
 * Records with no severity count as INFO. The rules are a precompiled snapshot; nothing here does I/O.
 */
export function createSamplingStage(config: SamplingConfig, ctx: StageContext, next: LogStage): SamplingStage {
  return new SeveritySampler(config, ctx, next);
}

/** The execution's own level when it has one (one request at DEBUG), else the logger's rule. */
function thresholdOf(rules: CompiledRules, logger: string, execution: Execution | undefined): SeverityNumber {
  return execution?.level ?? rules.thresholdFor(logger);
}

class SeveritySampler implements SamplingStage {
  private passed = 0;
  private held = 0;
  private audited = 0;
  private auditPassed = 0;
  private internalErrors = 0;
  private readonly dropped = new ReasonCounter();
  private readonly rules: RuleBook;
  private readonly deferred: Deferral | undefined;
  private readonly flushLevel: SeverityNumber;
  private readonly unsubscribe: (() => void)[] = [];
  private limiter: RateLimiter | undefined;
  private limiterRules: CompiledRules | undefined;
  private readonly adaptive: AdaptiveSampler | undefined;
  private closing: Promise<void> | undefined;

  constructor(
    config: SamplingConfig,
    private readonly ctx: StageContext,
    private readonly next: LogStage,
  ) {
    this.flushLevel = config.deferred.flushLevel;
    if (config.adaptive.enabled && ctx.pressure) this.adaptive = new AdaptiveSampler(config.adaptive, ctx.pressure);
    this.rules = new RuleBook(config.rules, (entry) => this.writeRuleChange(entry));
    if (config.file) {
      this.rules.set('file', config.file.rules, config.file.path, false);
      this.rules.follow(new FileRuleSource(config.file.path, config.pollIntervalMs), `OTEL_LOGKIT_LEVELS_FILE (${config.file.path})`, config.file.text);
    }
    if (config.url) {
      const source = new HttpRuleSource(config.url, config.pollIntervalMs);
      this.rules.follow(source, `OTEL_LOGKIT_LEVELS_URL (${source.origin})`);
    }
    if (config.deferred.enabled) {
      const emit = (record: LogkitRecord) => next.write(record);
      const deferred: Deferral = config.deferred.forward ? new ForwardingDeferral(emit, ctx) : new DeferredBuffer(config.deferred, emit, ctx.stats, ctx.holdingForm);
      this.deferred = deferred;
      this.unsubscribe.push(onExecutionEnd((execution) => deferred.ended(execution)));
      this.unsubscribe.push(onLocalRootSpanError((traceId) => deferred.releaseTrace(traceId)));
    }
    ctx.stats.register('sampling', (): SamplingStatsSection => ({
      passed: this.passed,
      dropped: this.dropped.toJSON(),
      deferred: this.held,
      audit_records: this.audited,
      audit_passed: this.auditPassed,
      rules_changes: this.rules.changes,
      rules_errors: this.rules.errors,
      internal_errors: this.internalErrors,
    }));
  }

  write(record: LogkitRecord, context?: Context): WriteVerdict {
    if (isAuditRecord(record)) return this.passAudit(record, context);
    try {
      const severity: number = record.severityNumber || SeverityNumber.INFO;
      const execution = currentExecution();
      const rules = this.rules.current;
      const logger = record.instrumentationScope.name;
      const threshold = thresholdOf(rules, logger, execution);
      const deferred = this.deferred;
      if (severity < threshold) {
        if (deferred === undefined) return this.refuse('below_threshold');
        if (deferred.hold(record, execution)) {
          this.held++;
          return 'taken';
        }
      } else {
        if (deferred !== undefined && severity >= this.flushLevel) {
          if (execution === undefined) deferred.releaseGlobal();
          else deferred.releaseExecution(execution);
        }
        const ratio = rules.ratios[severity];
        if (ratio !== undefined && ratio < 1 && !keepByRatio(record, ratio, execution?.globalId)) return this.refuse('sampled_out');
        const adaptive = this.adaptive?.ratioFor(severity) ?? 1;
        if (adaptive < 1 && record.attributes[DEFERRAL_ATTRIBUTES.deferred] === undefined) {
          const kept = this.adaptive!.keep(record, severity, adaptive, ratio ?? 1, execution?.globalId);
          if (kept === 0) return this.refuse('backpressure');
          record.attributes[SAMPLING_ATTRIBUTES.ratio] = kept;
        }
      }
      if (rules.rateLimit !== undefined && !this.limiterOf(rules, rules.rateLimit).tryTake(logger, severity)) return this.refuse('rate_limited');
      this.passed++;
      return this.next.write(record, context);
    } catch (error) {
      this.internalErrors++;
      diag.error('otel-logkit: sampling failed for a record', error);
      return 'lost';
    }
  }

  private refuse(reason: string): WriteVerdict {
    this.dropped.add(reason);
    return 'refused';
  }

  /** Deferral holds (or passes) every record below the threshold, so only without it is a record sure to go. */
  keeps(loggerName: string, severityNumber: SeverityNumber | undefined): boolean {
    if (this.deferred !== undefined) return true;
    const severity: number = severityNumber || SeverityNumber.INFO;
    return severity >= thresholdOf(this.rules.current, loggerName, currentExecution());
  }

  skipped(): void {
    this.dropped.add('below_threshold');
  }

  releaseHeld(): void {
    this.deferred?.releaseAll();
  }

  setLevel(pattern: string, level: SeverityNumber | string): void {
    const where = `setLevel(${JSON.stringify(pattern)})`;
    if (pattern !== '*') checkPattern(pattern, 'setLevel pattern');
    const api = this.rules.layer('api');
    const levels: LevelRules['levels'] = Object.assign(Object.create(null), api.levels);
    const updated: LevelRules = { ...api, levels };
    if (level === 'default') {
      if (pattern === '*') delete updated.level;
      else delete (levels as Record<string, SeverityNumber>)[pattern];
    } else {
      const parsed = parseSeverity(String(level));
      if (parsed === undefined) throw new ConfigError(where, level, `${SEVERITY_FORM}, or default`);
      if (pattern === '*') updated.level = parsed;
      else (levels as Record<string, SeverityNumber>)[pattern] = parsed;
    }
    this.rules.set('api', updated, 'setLevel');
  }

  forceFlush(): Promise<void> {
    return this.next.forceFlush();
  }

  shutdown(): Promise<void> {
    this.closing ??= (async () => {
      this.rules.stop();
      for (const off of this.unsubscribe) off();
      this.deferred?.shutdown();
      await this.next.shutdown();
    })();
    return this.closing;
  }

  /** The bucket set follows the rules: a new rate limit starts with full buckets. */
  private limiterOf(rules: CompiledRules, limit: RateLimitRule): RateLimiter {
    if (this.limiterRules !== rules || this.limiter === undefined) {
      this.limiter = new RateLimiter(limit);
      this.limiterRules = rules;
    }
    return this.limiter;
  }

  /** Records of the audit trail (`log.type = "audit"`) are never sampled, deferred or rate-limited. */
  private passAudit(record: LogkitRecord, context: Context | undefined): WriteVerdict {
    this.auditPassed++;
    return this.next.write(record, context);
  }

  /** Audit records bypass every sampling decision: a change of what is logged is always logged. */
  private writeRuleChange(entry: RuleChange): void {
    try {
      this.audited++;
      this.next.write(ruleChangeRecord(this.ctx.resource, entry));
    } catch (error) {
      diag.error('otel-logkit: could not write the logging rules audit record', error);
    }
  }
}
