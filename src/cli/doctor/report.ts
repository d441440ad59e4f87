/** The outcome of one check, with the fix when it failed. */
export interface Check {
  name: string;
  ok: boolean;
  /** What was seen: `HTTP 204`, `connection refused at loki:3100`, … Never a credential. */
  detail: string;
  /** What to change, naming the variable: shown only for a failed check. */
  fix?: string;
}

/** The checks of one subject (a destination, a directory, the configuration), in the order they ran. */
export interface Section {
  title: string;
  /** Where: an endpoint without credentials or query, a directory. */
  target?: string;
  checks: Check[];
}

export function ok(name: string, detail: string): Check {
  return { name, ok: true, detail };
}

export function fail(name: string, detail: string, fix: string): Check {
  return { name, ok: false, detail, fix };
}

/** The short report: one line per check, the fix under each failure, a closing count. */
export function renderReport(sections: readonly Section[], color: boolean): string {
  const paint = (code: string, text: string) => (color ? `\u001b[${code}m${text}\u001b[0m` : text);
  const lines: string[] = [];
  let problems = 0;
  for (const section of sections) {
    lines.push(paint('1', section.target ? `${section.title}  ${section.target}` : section.title));
    for (const check of section.checks) {
      const status = check.ok ? paint('32', 'ok  ') : paint('31', 'FAIL');
      lines.push(`  ${check.name.padEnd(14)} ${status}  ${check.detail}`);
      if (!check.ok) {
        problems++;
        if (check.fix) lines.push(`  ${''.padEnd(14)}       ${paint('33', `fix: ${check.fix}`)}`);
      }
    }
  }
  lines.push('', problems === 0 ? paint('32', 'all is well.') : paint('31', `${problems} problem${problems === 1 ? '' : 's'} found.`));
  return `${lines.join('\n')}\n`;
}

export function hasProblems(sections: readonly Section[]): boolean {
  return sections.some((s) => s.checks.some((c) => !c.ok));
}
