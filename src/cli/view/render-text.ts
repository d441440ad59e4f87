import { isError, type TimelineEntry } from './entry.js';
import { clockText, offsetText, plural, type SequenceGap, type Timeline } from './timeline.js';

export interface TextOptions {
  /** ANSI colours: only on a terminal, and never when `NO_COLOR` is set (decided by the caller). */
  color: boolean;
  /** Also list each record's other attributes. */
  details?: boolean;
}

const STYLES = { bold: '1', dim: '2', red: '31', yellow: '33', cyan: '36', magenta: '35' } as const;
type Style = keyof typeof STYLES;

/**
 * The timeline for a terminal: a summary line, then per service each execution with its records in
 * order, each record at its offset from the start of the request (so executions line up across
 * services), errors in red, deferred records marked, sequence gaps where they fall. Log text is
 * hostile: control characters (a terminal's escape sequences among them) are shown as `\u001b`, never
 * written raw.
 */
export function renderText(timeline: Timeline, options: TextOptions): string {
  const paint = (style: Style, text: string) => (options.color ? `\u001b[${STYLES[style]}m${text}\u001b[0m` : text);
  const lines: string[] = [];
  const lanes = timeline.services.reduce((n, s) => n + s.lanes.length, 0);
  const facts = [
    plural(timeline.entries.length, 'record'),
    plural(timeline.services.length, 'service'),
    plural(lanes, 'execution'),
    timeline.errors > 0 ? paint('red', plural(timeline.errors, 'error')) : '0 errors',
    `${timeline.deferred} deferred`,
    timeline.gaps.length > 0 ? paint('yellow', plural(timeline.gaps.length, 'sequence gap')) : 'no sequence gap',
  ];
  lines.push(`${paint('bold', `request ${safe(timeline.correlationId)}`)}: ${facts.join(' · ')}`);
  if (timeline.entries.length === 0) return `${lines.join('\n')}\n`;
  lines.push(paint('dim', `${clockText(timeline.start)} → ${clockText(timeline.end)} UTC (${offsetText(timeline.end - timeline.start).slice(1)})`));
  for (const service of timeline.services) {
    lines.push('', paint('bold', paint('cyan', safe(service.name))));
    for (const lane of service.lanes) {
      const laneFacts = [plural(lane.entries.length, 'record')];
      if (lane.errors > 0) laneFacts.push(paint('red', plural(lane.errors, 'error')));
      if (lane.deferred > 0) laneFacts.push(`${lane.deferred} deferred`);
      lines.push(`  ${lane.localId ? `execution ${safe(lane.localId)}` : 'outside any execution'} · ${laneFacts.join(' · ')}`);
      lane.entries.forEach((entry, i) => {
        const gap = lane.gapsBefore.get(i);
        if (gap) lines.push(gapLine(gap, paint));
        lines.push(entryLine(entry, timeline.start, paint));
        if (options.details) for (const key of Object.keys(entry.attributes)) lines.push(paint('dim', `                        ${safe(key)}=${safe(entry.attributes[key])}`));
      });
      const trailing = lane.gapsBefore.get(lane.entries.length);
      if (trailing) lines.push(gapLine(trailing, paint));
    }
  }
  return `${lines.join('\n')}\n`;
}

function entryLine(entry: TimelineEntry, start: bigint, paint: (style: Style, text: string) => string): string {
  const offset = offsetText(entry.time - start).padEnd(11);
  const sequence = (entry.sequence !== undefined ? `#${entry.sequence}` : '').padEnd(5);
  const error = isError(entry);
  const severity = safe(entry.severity).toUpperCase().slice(0, 7).padEnd(7);
  let line = `    ${paint('dim', offset)} ${sequence} ${error ? paint('red', paint('bold', severity)) : severity} ${error ? paint('red', safe(entry.body)) : safe(entry.body)}`;
  if (entry.deferred) line += ` ${paint('magenta', '[deferred]')}`;
  return line;
}

function gapLine(gap: SequenceGap, paint: (style: Style, text: string) => string): string {
  const missing = gap.from === gap.to ? `#${gap.from} missing` : `#${gap.from}–#${gap.to} missing (${gap.to - gap.from + 1} records)`;
  return paint('yellow', `                ⋯ ${missing}: not in the store (lost, sampled out or not yet ingested)`);
}

/**
 * Log text on one terminal line: newlines as `⏎`, every other control character (C0, DEL, C1 — ESC
 * included) and the bidirectional overrides as `\uXXXX`, so a record cannot move the cursor, recolour
 * the screen or reorder what is shown.
 */
export function safe(text: string): string {
  return showControls(text.replace(/\r?\n/g, '⏎'));
}

/** Control characters other than newline and tab, and the bidirectional overrides, as visible `\uXXXX`. */
export function showControls(text: string): string {
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
