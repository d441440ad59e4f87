/**
 * The database-statement sanitizer, for `db.query.text` / `db.statement`, like the Collector redaction
 * processor's database sanitizing: the statement keeps its shape — keywords, table and column names,
 * operators, bind parameters, Redis commands and keys, MongoDB field names — and loses its literal
 * values, each replaced by `?`. The dialect comes from `db.system.name` / `db.system` when the record
 * has it, otherwise from the statement itself (a JSON document is MongoDB, a known Redis command is
 * Redis, anything else SQL). Hand-written scanners: linear, and nothing can throw.
 */

/** The statement without literals; `statement` itself when it had none. */
export function sanitizeDbStatement(statement: string, system?: string): string {
  const dialect = dialectOf(statement, system?.toLowerCase());
  if (dialect === 'redis') return sanitizeRedis(statement);
  if (dialect === 'mongodb') return sanitizeJson(statement);
  return sanitizeSql(statement, dialect === 'mysql');
}

type Dialect = 'sql' | 'mysql' | 'redis' | 'mongodb';

function dialectOf(statement: string, system: string | undefined): Dialect {
  if (system !== undefined) {
    if (system === 'redis' || system === 'valkey' || system === 'keydb') return 'redis';
    if (system.includes('mongo') || system === 'couchbase' || system === 'cosmosdb') return 'mongodb';
    if (system === 'mysql' || system === 'mariadb') return 'mysql';
    return 'sql';
  }
  const trimmed = statement.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) return 'mongodb';
  const first = /^[A-Za-z]+/.exec(trimmed)?.[0].toUpperCase();
  return first !== undefined && REDIS_COMMANDS.has(first) && !SQL_KEYWORDS.has(first) ? 'redis' : 'sql';
}

const SQL_KEYWORDS = new Set(['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'WITH', 'CREATE', 'ALTER', 'DROP', 'MERGE', 'CALL', 'EXEC', 'EXPLAIN', 'SHOW', 'SET', 'BEGIN', 'COMMIT', 'ROLLBACK', 'GRANT', 'REVOKE', 'TRUNCATE', 'VALUES', 'UPSERT', 'REPLACE', 'USE', 'DESCRIBE']);

/**
 * SQL: quoted strings (with `''` and backslash escapes, and `E'…'`/`N'…'`/`X'…'` prefixes), dollar-
 * quoted strings and numbers become `?`; identifiers (also `"quoted"` and `` `quoted` ``), keywords,
 * `NULL`/`TRUE`/`FALSE`, comments and bind parameters (`$1`, `?`, `:name`, `@p1`) stay. In MySQL a
 * double-quoted text is a string.
 */
function sanitizeSql(sql: string, mysql: boolean): string {
  // parts, not one growing string: a string prefix letter is taken back off the end
  const out: string[] = [];
  let i = 0;
  let changed = false;
  const n = sql.length;
  while (i < n) {
    const c = sql.charCodeAt(i);
    if (c === 39 || (c === 34 && mysql)) {
      // drop a string prefix letter (E'…', N'…', X'…', B'…') that stands alone
      if (/^[ENXBenxb]$/.test(out[out.length - 1] ?? '')) out.pop();
      i = quotedEnd(sql, i, c);
      out.push('?');
      changed = true;
    } else if (c === 34 || c === 96) {
      const end = quotedEnd(sql, i, c);
      out.push(sql.slice(i, end));
      i = end;
    } else if (c === 36 && (sql.charCodeAt(i + 1) === 36 || /^\$[A-Za-z_]\w*\$/.test(sql.slice(i, i + 64)))) {
      const tag = sql.slice(i, sql.indexOf('$', i + 1) + 1);
      const close = sql.indexOf(tag, i + tag.length);
      i = close < 0 ? n : close + tag.length;
      out.push('?');
      changed = true;
    } else if (c === 45 && sql.charCodeAt(i + 1) === 45) {
      const end = lineEnd(sql, i);
      out.push(sql.slice(i, end));
      i = end;
    } else if (c === 47 && sql.charCodeAt(i + 1) === 42) {
      const close = sql.indexOf('*/', i + 2);
      const end = close < 0 ? n : close + 2;
      out.push(sql.slice(i, end));
      i = end;
    } else if (isWordChar(c) && !isDigit(c)) {
      // an identifier or keyword, digits included (`table1`, `$1` is handled as a word after `$`)
      let end = i + 1;
      while (end < n && isWordChar(sql.charCodeAt(end))) end++;
      out.push(sql.slice(i, end));
      i = end;
    } else if (isDigit(c) || (c === 46 && isDigit(sql.charCodeAt(i + 1)))) {
      const previous = sql.charCodeAt(i - 1);
      const end = numberEnd(sql, i);
      // bind parameters keep their number: $1, :1, @p1 (the letter case is a word above), ?1
      if (previous === 36 || previous === 58 || previous === 63) {
        out.push(sql.slice(i, end));
      } else {
        out.push('?');
        changed = true;
      }
      i = end;
    } else {
      out.push(sql[i]!);
      i++;
    }
  }
  return changed ? out.join('') : sql;
}

/** Redis commands whose arguments are all keys: they stay. */
const ALL_KEYS = new Set(['DEL', 'UNLINK', 'EXISTS', 'MGET', 'TOUCH', 'WATCH', 'SINTER', 'SUNION', 'SDIFF', 'PFCOUNT', 'TYPE', 'TTL', 'PTTL', 'PERSIST']);
/** Redis commands without a key: every argument is a value. */
const NO_KEY = new Set(['AUTH', 'HELLO', 'ECHO', 'PING', 'SELECT', 'EVAL', 'EVALSHA', 'EVAL_RO', 'EVALSHA_RO', 'FCALL', 'FCALL_RO', 'MIGRATE', 'SWAPDB', 'SHUTDOWN', 'FLUSHALL', 'FLUSHDB', 'INFO', 'KEYS', 'SCAN', 'PUBLISH', 'SPUBLISH', 'SUBSCRIBE', 'PSUBSCRIBE']);
/** Commands whose second word is a subcommand (`CONFIG SET requirepass …`, `ACL SETUSER …`). */
const CONTAINER = new Set(['CONFIG', 'CLIENT', 'ACL', 'CLUSTER', 'OBJECT', 'MEMORY', 'SCRIPT', 'XINFO', 'XGROUP', 'COMMAND', 'FUNCTION', 'MODULE', 'DEBUG', 'PUBSUB', 'SLOWLOG', 'LATENCY']);
const REDIS_COMMANDS = new Set([
  ...ALL_KEYS, ...NO_KEY, ...CONTAINER, 'GET', 'SET', 'SETEX', 'PSETEX', 'SETNX', 'GETSET', 'GETDEL', 'GETEX', 'MSET', 'MSETNX', 'INCR', 'INCRBY', 'DECR', 'DECRBY',
  'APPEND', 'EXPIRE', 'PEXPIRE', 'EXPIREAT', 'HGET', 'HSET', 'HMSET', 'HMGET', 'HDEL', 'HGETALL', 'HINCRBY', 'HEXISTS', 'HKEYS', 'HVALS', 'HLEN', 'LPUSH', 'RPUSH',
  'LPOP', 'RPOP', 'LRANGE', 'LLEN', 'LREM', 'LSET', 'LINDEX', 'BLPOP', 'BRPOP', 'SADD', 'SREM', 'SMEMBERS', 'SISMEMBER', 'SCARD', 'ZADD', 'ZREM', 'ZRANGE',
  'ZRANGEBYSCORE', 'ZREVRANGE', 'ZSCORE', 'ZINCRBY', 'ZCARD', 'XADD', 'XREAD', 'XRANGE', 'XACK', 'XREADGROUP', 'PFADD', 'GEOADD', 'SETRANGE', 'GETRANGE', 'STRLEN', 'RENAME', 'COPY',
]);

/** Redis: the command (and subcommand) and the key stay; every other argument becomes `?`. */
function sanitizeRedis(statement: string): string {
  const words = splitRedis(statement);
  if (words.length < 2) return statement;
  const command = statement.slice(words[0]!.start, words[0]!.end).toUpperCase();
  let keep = 1;
  if (CONTAINER.has(command)) keep = 2;
  else if (ALL_KEYS.has(command)) keep = words.length;
  else if (!NO_KEY.has(command)) keep = 2;
  if (keep >= words.length) return statement;
  let out = statement.slice(0, words[keep - 1]!.end);
  for (let w = keep; w < words.length; w++) {
    // MSET k1 v1 k2 v2: keys stay, values go
    const isKey = (command === 'MSET' || command === 'MSETNX') && (w - 1) % 2 === 0;
    out += statement.slice(words[w - 1]!.end, words[w]!.start) + (isKey ? statement.slice(words[w]!.start, words[w]!.end) : '?');
  }
  return out + statement.slice(words[words.length - 1]!.end);
}

/** Whitespace-separated words; a quoted argument (with backslash escapes) is one word. */
function splitRedis(statement: string): { start: number; end: number }[] {
  const words: { start: number; end: number }[] = [];
  let i = 0;
  const n = statement.length;
  while (i < n) {
    while (i < n && isSpace(statement.charCodeAt(i))) i++;
    if (i >= n) break;
    const start = i;
    const c = statement.charCodeAt(i);
    if (c === 34 || c === 39) i = quotedEnd(statement, i, c);
    else while (i < n && !isSpace(statement.charCodeAt(i))) i++;
    words.push({ start, end: i });
  }
  return words;
}

/** MongoDB commands whose first value is the collection name: it stays. */
const MONGO_COMMANDS = new Set(['find', 'insert', 'update', 'delete', 'aggregate', 'count', 'distinct', 'findandmodify', 'getmore', 'create', 'drop', 'createindexes', 'listindexes', 'mapreduce']);

/**
 * MongoDB (JSON, extended JSON or shell syntax): string and number values become `"?"` and `?`; keys
 * (quoted or not), operators (`$gt`), `true`/`false`/`null` and constructor names (`ObjectId`) stay,
 * and so does the collection name of the command (`{"find": "orders", …}`).
 */
function sanitizeJson(statement: string): string {
  let out = '';
  let i = 0;
  let changed = false;
  let keepNextValue = false;
  let depth = 0;
  let firstKey = true;
  const n = statement.length;
  while (i < n) {
    const c = statement.charCodeAt(i);
    if (c === 34 || c === 39) {
      const end = quotedEnd(statement, i, c);
      let next = end;
      while (next < n && isSpace(statement.charCodeAt(next))) next++;
      if (statement.charCodeAt(next) === 58) {
        // a key: the first key of the top-level document may name a command
        const key = statement.slice(i + 1, end - 1);
        keepNextValue = depth === 1 && firstKey && MONGO_COMMANDS.has(key.toLowerCase());
        if (depth === 1) firstKey = false;
        out += statement.slice(i, end);
      } else if (keepNextValue) {
        out += statement.slice(i, end);
        keepNextValue = false;
      } else {
        out += `${String.fromCharCode(c)}?${String.fromCharCode(c)}`;
        changed = true;
      }
      i = end;
    } else if (isDigit(c) || ((c === 45 || c === 46) && isDigit(statement.charCodeAt(i + 1)))) {
      const end = numberEnd(statement, c === 45 ? i + 1 : i);
      out += '?';
      changed = true;
      keepNextValue = false;
      i = end;
    } else if (isWordChar(c)) {
      let end = i + 1;
      while (end < n && isWordChar(statement.charCodeAt(end))) end++;
      out += statement.slice(i, end);
      i = end;
    } else {
      if (c === 123 || c === 91) depth++;
      else if (c === 125 || c === 93) depth--;
      out += statement[i];
      i++;
    }
  }
  return changed ? out : statement;
}

/** The index after a quoted text opened by `quote` at `start` (doubled quotes and backslashes escape). */
function quotedEnd(text: string, start: number, quote: number): number {
  let i = start + 1;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 92) i += 2;
    else if (c === quote) {
      if (text.charCodeAt(i + 1) === quote) i += 2;
      else return i + 1;
    } else i++;
  }
  return text.length;
}

function numberEnd(text: string, start: number): number {
  let i = start;
  if (text.charCodeAt(i) === 48 && (text.charCodeAt(i + 1) | 32) === 120) {
    i += 2;
    while (i < text.length && /[0-9a-fA-F]/.test(text[i]!)) i++;
    return i;
  }
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (isDigit(c) || c === 46) i++;
    else if ((c | 32) === 101 && (isDigit(text.charCodeAt(i + 1)) || ((text.charCodeAt(i + 1) === 45 || text.charCodeAt(i + 1) === 43) && isDigit(text.charCodeAt(i + 2))))) i += 2;
    else break;
  }
  return i;
}

function lineEnd(text: string, start: number): number {
  const end = text.indexOf('\n', start);
  return end < 0 ? text.length : end;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isWordChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 36 || c >= 128;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}
