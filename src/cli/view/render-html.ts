import { randomBytes } from 'node:crypto';
import { isError, type TimelineEntry } from './entry.js';
import { showControls } from './render-text.js';
import { clockText, offsetText, plural, type ExecutionLane, type SequenceGap, type Timeline } from './timeline.js';

/**
 * The timeline as one self-contained HTML page: inline CSS and a few lines of inline script (filter,
 * errors only, show attributes), no request to the network, so it opens from a file attached to an
 * incident. Log data is hostile: every value is HTML-escaped, and the page's Content-Security-Policy
 * lets only its own script (by nonce) run, so even an escaping mistake could not run injected script.
 */
export function renderHtml(timeline: Timeline): string {
  const nonce = randomBytes(16).toString('base64');
  const lanes = timeline.services.flatMap((s) => s.lanes);
  const span = timeline.end - timeline.start;
  const facts = [
    plural(timeline.entries.length, 'record'),
    plural(timeline.services.length, 'service'),
    plural(lanes.length, 'execution'),
    `<span class="${timeline.errors > 0 ? 'bad' : ''}">${plural(timeline.errors, 'error')}</span>`,
    `${timeline.deferred} deferred`,
    `<span class="${timeline.gaps.length > 0 ? 'warn' : ''}">${plural(timeline.gaps.length, 'sequence gap')}</span>`,
  ];
  const title = `request ${escapeHtml(timeline.correlationId)}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-${nonce}'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · otel-logkit</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>${title}</h1>
<p class="facts">${facts.join(' · ')}</p>
${timeline.entries.length > 0 ? `<p class="when">${escapeHtml(clockText(timeline.start))} → ${escapeHtml(clockText(timeline.end))} UTC (${escapeHtml(offsetText(span).slice(1))})</p>` : '<p>No record of this id was found.</p>'}
<div class="tools"><input id="filter" type="search" placeholder="filter records" aria-label="filter records"><label><input id="errors" type="checkbox"> errors only</label><label><input id="attrs" type="checkbox"> attributes</label></div>
</header>
${lanes.length > 0 ? overview(timeline, lanes, span) : ''}
<main>
${timeline.services.map((service) => `<section class="service"><h2>${escapeHtml(service.name)}</h2>${service.lanes.map((lane) => laneHtml(lane, timeline.start)).join('\n')}</section>`).join('\n')}
</main>
<footer>written by otel-logkit view · times are UTC · offsets are from the request's first record</footer>
<script nonce="${nonce}">${SCRIPT}</script>
</body>
</html>
`;
}

/** One bar per execution across the request's whole span, error records as ticks: where each service spent the request. */
function overview(timeline: Timeline, lanes: ExecutionLane[], span: bigint): string {
  const at = (t: bigint) => (span === 0n ? 0 : Number(((t - timeline.start) * 10_000n) / span) / 100);
  const rows = lanes.map((lane) => {
    const left = at(lane.entries[0].time);
    const width = Math.max(0.5, at(lane.entries.at(-1)!.time) - left);
    const ticks = lane.entries
      .filter(isError)
      .map((e) => `<i class="tick" style="left:${at(e.time)}%"></i>`)
      .join('');
    const name = `${escapeHtml(lane.service)} <span class="id">${lane.localId ? escapeHtml(shortId(lane.localId)) : 'no execution'}</span>`;
    return `<div class="row"><div class="name">${name}</div><div class="track"><b class="${lane.errors > 0 ? 'bar failed' : 'bar'}" style="left:${left}%;width:${width}%"></b>${ticks}</div></div>`;
  });
  return `<nav class="overview" aria-label="executions over time">${rows.join('')}</nav>`;
}

function laneHtml(lane: ExecutionLane, start: bigint): string {
  const facts = [plural(lane.entries.length, 'record')];
  if (lane.errors > 0) facts.push(`<span class="bad">${plural(lane.errors, 'error')}</span>`);
  if (lane.deferred > 0) facts.push(`${lane.deferred} deferred`);
  const rows: string[] = [];
  lane.entries.forEach((entry, i) => {
    const gap = lane.gapsBefore.get(i);
    if (gap) rows.push(gapRow(gap));
    rows.push(entryRow(entry, start));
  });
  const trailing = lane.gapsBefore.get(lane.entries.length);
  if (trailing) rows.push(gapRow(trailing));
  const heading = lane.localId ? `execution <code>${escapeHtml(lane.localId)}</code>` : 'outside any execution';
  return `<div class="lane"><h3>${heading} · ${facts.join(' · ')}</h3><table><thead><tr><th>offset</th><th>time</th><th>seq</th><th>severity</th><th>body</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
}

function entryRow(entry: TimelineEntry, start: bigint): string {
  const classes = ['rec'];
  if (isError(entry)) classes.push('error');
  if (entry.deferred) classes.push('deferred');
  const attributes = Object.keys(entry.attributes);
  if (entry.traceId) attributes.unshift('trace_id');
  const details = attributes
    .map((key) => `<div><span class="k">${escapeHtml(key)}</span> ${escapeHtml(key === 'trace_id' && entry.traceId ? `${entry.traceId} span ${entry.spanId ?? ''}` : entry.attributes[key])}</div>`)
    .join('');
  return (
    `<tr class="${classes.join(' ')}"><td class="off">${escapeHtml(offsetText(entry.time - start))}</td><td class="clock">${escapeHtml(clockText(entry.time).slice(11))}</td>` +
    `<td class="seq">${entry.sequence !== undefined ? `#${entry.sequence}` : ''}</td><td class="sev">${escapeHtml(entry.severity.toUpperCase())}</td>` +
    `<td class="body">${entry.deferred ? '<span class="badge">deferred</span>' : ''}<span class="text">${escapeHtml(showControls(entry.body))}</span>${details ? `<div class="attrs">${details}</div>` : ''}</td></tr>`
  );
}

function gapRow(gap: SequenceGap): string {
  const missing = gap.from === gap.to ? `#${gap.from} missing` : `#${gap.from}–#${gap.to} missing (${gap.to - gap.from + 1} records)`;
  return `<tr class="gap"><td colspan="5">⋯ ${missing}: not in the store (lost, sampled out or not yet ingested)</td></tr>`;
}

function shortId(id: string): string {
  return id.length > 12 ? `${id.slice(0, 8)}…` : id;
}

/** The five characters that matter in element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}
const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

const STYLE = `
:root{color-scheme:light;--fg:#1d232b;--dim:#6a7480;--line:#e2e6ea;--bad:#c62828;--badbg:#fdecea;--warn:#9a6700;--warnbg:#fff8e1;--def:#6f42c1;--accent:#0b6bcb}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:#f6f7f9}
header,main,nav,footer{max-width:1200px;margin:0 auto;padding:0 20px}
header{padding-top:18px}
h1{font-size:20px;margin:0 0 4px;word-break:break-all}
h2{font-size:16px;margin:22px 0 8px;color:var(--accent)}
h3{font-size:13px;font-weight:600;margin:0;padding:8px 12px;border-bottom:1px solid var(--line);background:#fafbfc}
.facts{margin:0;font-size:15px}.when{margin:2px 0 10px;color:var(--dim)}
.bad{color:var(--bad);font-weight:600}.warn{color:var(--warn);font-weight:600}
.tools{display:flex;gap:16px;align-items:center;margin:10px 0}
.tools input[type=search]{padding:5px 8px;border:1px solid #c9ced4;border-radius:4px;min-width:260px}
.overview{background:#fff;border:1px solid var(--line);border-radius:6px;padding:8px 12px;margin:0 auto 6px;max-width:1160px}
.row{display:flex;align-items:center;gap:10px;height:22px}
.name{width:260px;flex:none;overflow:hidden;white-space:nowrap;text-overflow:ellipsis;font-size:12px}
.id{color:var(--dim);font-family:ui-monospace,Menlo,Consolas,monospace}
.track{position:relative;flex:1;height:10px;background:#eef0f3;border-radius:5px}
.bar{position:absolute;top:0;height:10px;border-radius:5px;background:var(--accent);opacity:.75}
.bar.failed{background:var(--bad)}
.tick{position:absolute;top:-3px;width:2px;height:16px;background:var(--bad)}
.lane{background:#fff;border:1px solid var(--line);border-radius:6px;margin:0 0 12px;overflow:hidden}
table{width:100%;border-collapse:collapse;table-layout:fixed}
th{text-align:left;font-size:11px;color:var(--dim);font-weight:600;padding:4px 8px;border-bottom:1px solid var(--line)}
th:nth-child(1){width:84px}th:nth-child(2){width:118px}th:nth-child(3){width:52px}th:nth-child(4){width:78px}
td{padding:4px 8px;border-bottom:1px solid #f0f2f4;vertical-align:top;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12.5px}
td.body{white-space:pre-wrap;word-break:break-word}
.off,.clock,.seq{color:var(--dim)}
tr.error td{background:var(--badbg)}tr.error .sev,tr.error .text{color:var(--bad);font-weight:700}
tr.deferred td{background:#f6f2fd}
.badge{display:inline-block;font:600 10px system-ui,sans-serif;color:#fff;background:var(--def);border-radius:3px;padding:1px 5px;margin-right:6px;vertical-align:1px;text-transform:uppercase}
tr.gap td{background:var(--warnbg);color:var(--warn);font-style:italic;font-family:system-ui,sans-serif}
.attrs{display:none;margin-top:4px;padding:4px 6px;background:#f6f7f9;border-radius:4px;color:#39424c}
body.show-attrs .attrs{display:block}
.k{color:var(--accent)}
tr.hidden{display:none}
footer{color:var(--dim);font-size:12px;padding:12px 20px 24px}
`;

/** Filtering only: the page shows everything without it. */
const SCRIPT = `
(function(){
  var filter=document.getElementById('filter'),errors=document.getElementById('errors'),attrs=document.getElementById('attrs');
  var rows=[].slice.call(document.querySelectorAll('tr.rec'));
  function apply(){
    var q=filter.value.toLowerCase(),only=errors.checked;
    rows.forEach(function(r){var hide=(only&&!r.classList.contains('error'))||(q&&r.textContent.toLowerCase().indexOf(q)<0);r.classList.toggle('hidden',!!hide);});
  }
  filter.addEventListener('input',apply);errors.addEventListener('change',apply);
  attrs.addEventListener('change',function(){document.body.classList.toggle('show-attrs',attrs.checked);});
})();
`;
