import type { KeyRules } from '../key-rules.js';
import { OPTION } from './clues.js';
import type { Detector, Span } from './detector.js';
import { looksLikeCredential, PLACEHOLDER } from './key-value.js';

/**
 * Credentials passed on command lines, as process listings, CI logs and crash reports show them:
 * `--password hunter2`, `-storepass changeit`, `-passin pass:…`, `mysql -uroot -pS3cret`,
 * `sshpass -p …`, `docker login -p …`, `redis-cli -a …`, `curl -u user:password`, `smbclient -U user%password`.
 * (`--password=…` and `-Dapp.db.password=…` are `key=value` pairs, found by the key rules.)
 *
 * A long option is a secret when its name is a blocked key (or one of the tools' own password
 * options); short options mean a password only for the tools that define them so — `-p` is a port
 * for ssh and docker run, and a password only for mysql, sshpass and the `login` commands.
 */
export function commandLineDetector(rules: KeyRules): Detector {
  return {
    name: 'command_line',
    trigger: { clues: OPTION, minLength: 6 },
    find(text, out) {
      findOptions(rules, text, out);
    },
  };
}

/** Password options of common tools whose names are not key names (keytool, openssl, jarsigner). */
const TOOL_PASSWORD_OPTIONS = new Set(['storepass', 'keypass', 'srcstorepass', 'deststorepass', 'srckeypass', 'destkeypass', 'passin', 'passout', 'pass', 'requirepass', 'masterauth']);

/**
 * Short options that carry a password, by the commands that define them; `glued` when the value is
 * written attached (`-pS3cret`; for mysql, `-p value` means "prompt" and `value` is the database).
 */
interface ShortOption {
  option: string;
  /** The commands' names (global, so every mention is found). */
  mentions: RegExp;
  glued: boolean;
  spaced: boolean;
  needs?: string;
}
const SHORT_OPTIONS: readonly ShortOption[] = [
  { option: 'p', mentions: /\b(?:mysql\w*|mariadb[\w-]*)\b/g, glued: true, spaced: false },
  { option: 'p', mentions: /\b(?:sshpass|(?:docker|podman|buildah|nerdctl|skopeo|helm|oras|crane)\b[^\n;|&]{0,40}\blogin)\b/g, glued: true, spaced: true },
  { option: 'a', mentions: /\bredis-cli\b/g, glued: false, spaced: true },
  { option: 'w', mentions: /\bldap(?:search|modify|add|delete|whoami|passwd|compare|modrdn|exop)\b/g, glued: false, spaced: true },
  { option: 'u', mentions: /\bcurl\b/g, glued: true, spaced: true, needs: ':' },
  { option: 'U', mentions: /\b(?:curl|smbclient|rpcclient)\b/g, glued: true, spaced: true, needs: ':%' },
];

/** An option, and what separates it from its value: spaces, `=`, or `', '` in a logged argv list. */
const OPTION_AT = /(?<![\w/.:-])(--?)([A-Za-z][\w.-]{0,63})([ \t]+|=|["'],[ \t]{0,4}["'])?/g;

function findOptions(rules: KeyRules, text: string, out: Span[]): void {
  if (text.includes('htpasswd')) findHtpasswd(text, out);
  const tools = toolsIn(text);
  OPTION_AT.lastIndex = 0;
  let match: RegExpExecArray | null;
  while ((match = OPTION_AT.exec(text)) !== null) {
    const [, dashes, name, separator] = match as unknown as [string, string, string, string | undefined];
    const after = OPTION_AT.lastIndex;
    if (dashes === '--' || name.length > 1) {
      // long options: `--password x`; the `=` form is the key rules' (also when it is a short one)
      if (separator === undefined || separator === '=') {
        if (dashes === '-' && name.length > 1) shortOption(tools, text, match.index, name, separator, after, out);
        continue;
      }
      const rule = rules.blockedRule(name);
      const kind = rule ?? (TOOL_PASSWORD_OPTIONS.has(name.toLowerCase()) ? 'password' : undefined);
      // "use --password-stdin instead of --password for docker login": after a key name, a spaced
      // value must look like a credential; a tool's own password option (`-keypass`) is unambiguous
      if (kind !== undefined) pushValue(text, after, kind, out, undefined, rule !== undefined);
      else if (dashes === '-') shortOption(tools, text, match.index, name, separator, after, out);
      continue;
    }
    shortOption(tools, text, match.index, name, separator, after, out);
  }
}

/** `-pS3cret` (glued: `name` is `pS3cret`) or `-p S3cret` (spaced), when the command defines it so. */
function shortOption(tools: readonly ToolUse[], text: string, at: number, name: string, separator: string | undefined, after: number, out: Span[]): void {
  if (tools.length === 0) return;
  const option = name[0]!;
  const glued = name.length > 1 && separator !== '=';
  for (const tool of tools) {
    const rule = tool.rule;
    if (rule.option !== option || !(glued ? rule.glued : rule.spaced && separator !== undefined && separator !== '=')) continue;
    if (!commandPrecedes(tool, text, at)) continue;
    if (glued) {
      const start = at + 2;
      const end = valueEnd(text, start);
      if (accepts(text.slice(start, end), rule.needs)) out.push({ start, end, kind: 'password' });
    } else pushValue(text, after, 'password', out, rule.needs);
    return;
  }
}

/** How far back an option's command may be: `mysql -h host -P 3306 -u user -pX` fits easily. */
const COMMAND_WINDOW = 160;

/** A tool named in the text, and where each mention of it ends (ascending). */
interface ToolUse {
  rule: ShortOption;
  ends: number[];
  /** Index of the last mention before the option looked at last: options are visited in order. */
  next: number;
}

/** The tools the text mentions, found once per text so that each option costs a lookup, not a scan. */
function toolsIn(text: string): ToolUse[] {
  const uses: ToolUse[] = [];
  for (const rule of SHORT_OPTIONS) {
    const ends: number[] = [];
    rule.mentions.lastIndex = 0;
    let match: RegExpExecArray | null;
    while ((match = rule.mentions.exec(text)) !== null) ends.push(match.index + match[0].length);
    if (ends.length > 0) uses.push({ rule, ends, next: 0 });
  }
  return uses;
}

/** True when the tool is mentioned before `at` in the same command: within COMMAND_WINDOW, no line break or shell separator between. */
function commandPrecedes(tool: ToolUse, text: string, at: number): boolean {
  while (tool.next + 1 < tool.ends.length && tool.ends[tool.next + 1]! <= at) tool.next++;
  const end = tool.ends[tool.next]!;
  if (end > at || at - end > COMMAND_WINDOW) return false;
  return !/[\n;|&]/.test(text.slice(end, at));
}

function pushValue(text: string, start: number, kind: string, out: Span[], needs?: string, strict = false): void {
  const quote = text[start];
  if (quote === '"' || quote === "'") {
    const close = text.indexOf(quote, start + 1);
    if (close > start + 1 && close - start < 1024 && !PLACEHOLDER.test(text.slice(start + 1, close))) out.push({ start: start + 1, end: close, kind });
    return;
  }
  if (quote === '-') return; // the next option, not a value
  const end = valueEnd(text, start);
  if (accepts(text.slice(start, end), needs, strict)) out.push({ start, end, kind });
}

function accepts(value: string, needs: string | undefined, strict = false): boolean {
  if (value.length === 0 || PLACEHOLDER.test(value) || (strict && !looksLikeCredential(value))) return false;
  if (needs === undefined) return true;
  // `curl -u user:password`: the user stays readable only when it is redacted with the password
  for (const c of needs) if (value.includes(c)) return true;
  return false;
}

function valueEnd(text: string, start: number): number {
  let end = start;
  const limit = Math.min(text.length, start + 1024);
  while (end < limit) {
    const c = text.charCodeAt(end);
    if (c === 32 || c === 9 || c === 10 || c === 13 || c === 34 || c === 39 || c === 44 || c === 93 || c === 125) break;
    end++;
  }
  return end;
}

/** `htpasswd -b[c] file user password`, `htpasswd -nb user password`: the password is an argument. */
function findHtpasswd(text: string, out: Span[]): void {
  let from = 0;
  while (true) {
    const at = text.indexOf('htpasswd', from);
    if (at < 0) return;
    from = at + 8;
    const line = text.slice(from, from + 512);
    const lineEnd = from + (line.includes('\n') ? line.indexOf('\n') : line.length);
    const words: { start: number; end: number }[] = [];
    let flags = '';
    const word = /[^\s]+/g;
    word.lastIndex = from;
    let match: RegExpExecArray | null;
    while ((match = word.exec(text)) !== null && match.index < lineEnd && words.length < 4) {
      if (match[0].startsWith('-')) flags += match[0].slice(1);
      else words.push({ start: match.index, end: match.index + match[0].length });
    }
    if (!flags.includes('b')) continue;
    const password = words[flags.includes('n') ? 1 : 2];
    if (password) out.push({ ...password, kind: 'password' });
  }
}
