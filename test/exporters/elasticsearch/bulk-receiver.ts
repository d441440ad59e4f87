import type { IncomingMessage, ServerResponse } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { LoopbackReceiver } from '../loki/fixtures.js';

/**
 * A loopback stand-in for Elasticsearch's `_bulk` API: decodes (gzipped) NDJSON, stores documents per
 * index by `_id`, and answers item by item like Elasticsearch — 201 created, 409
 * version_conflict_engine_exception for a `create` whose `_id` exists, 400 document_parsing_exception
 * when a field's value does not fit the type dynamic mapping gave it from the first document, and
 * 429 es_rejected_execution_exception for items scripted to be rejected.
 */
export interface StoredDocument {
  index: string;
  id: string;
  source: Record<string, unknown>;
}
export interface BulkRequestSeen {
  contentType: string | undefined;
  contentEncoding: string | undefined;
  authorization: string | undefined;
  actions: { op: string; index: string; id: string | undefined }[];
}

export class BulkReceiver extends LoopbackReceiver {
  readonly requests: BulkRequestSeen[] = [];
  readonly templates = new Map<string, unknown>();
  /** Whole-request answers given in order before any item is looked at (e.g. 429, 503, 413). */
  readonly answers: { status: number; body: unknown; headers?: Record<string, string> }[] = [];
  /** Items whose `_id` is listed here are rejected with 429 the given number of times (a full write queue). */
  readonly rejectIds = new Map<string, number>();
  /** This many bulk requests are carried out and then their answer is lost (the connection drops), as when a proxy times out. */
  loseAnswers = 0;
  /** When set, template requests are refused with this status (e.g. 403 for a user without manage_index_templates). */
  refuseTemplates: number | undefined;
  /** What the root endpoint says it is (`version.distribution`): OpenSearch also answers the ISM API. */
  distribution: 'elasticsearch' | 'opensearch' = 'elasticsearch';
  /** Every request that is not `_bulk`, in order (method, path with query, JSON body). */
  readonly setup: { method: string; path: string; body: unknown }[] = [];
  /** Data stream lifecycles set on existing streams, and ISM policies by id (with their sequence number). */
  readonly lifecycles = new Map<string, unknown>();
  readonly policies = new Map<string, { policy: unknown; seqNo: number }>();
  private readonly indices = new Map<string, Map<string, Record<string, unknown>>>();
  private readonly fieldTypes = new Map<string, string>();

  static async start(): Promise<BulkReceiver> {
    const receiver = new BulkReceiver();
    await receiver.listen();
    return receiver;
  }

  documents(index?: string): StoredDocument[] {
    const out: StoredDocument[] = [];
    for (const [name, docs] of this.indices) {
      if (index !== undefined && name !== index) continue;
      for (const [id, source] of docs) out.push({ index: name, id, source });
    }
    return out;
  }

  protected answer(req: IncomingMessage, raw: Buffer, res: ServerResponse): void {
    const body = (req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path !== '/_bulk') this.setup.push({ method: req.method ?? '', path: req.url ?? '', body: body === '' ? undefined : JSON.parse(body) });
    if (path === '/' && req.method === 'GET') {
      return json(res, 200, { name: 'node-1', version: this.distribution === 'opensearch' ? { distribution: 'opensearch', number: '2.19.1' } : { number: '8.15.0' } });
    }
    const lifecycle = /^\/_data_stream\/([^/]+)\/_lifecycle$/.exec(path);
    if (lifecycle && req.method === 'PUT') {
      if (!this.indices.has(lifecycle[1]!)) return json(res, 404, { error: { type: 'index_not_found_exception', reason: `no such index [${lifecycle[1]}]` }, status: 404 });
      this.lifecycles.set(lifecycle[1]!, JSON.parse(body));
      return json(res, 200, { acknowledged: true });
    }
    const policy = /^\/_plugins\/_ism\/policies\/([^/]+)$/.exec(path);
    if (policy && this.distribution === 'opensearch') return this.ism(policy[1]!, req, body, res);
    if (path.startsWith('/_plugins/_ism/add/') && this.distribution === 'opensearch') return json(res, 200, { updated_indices: 0, failures: false, failed_indices: [] });
    const template = /^\/_index_template\/([^/]+)$/.exec(path);
    if (template && (req.method === 'PUT' || req.method === 'POST')) {
      if (this.refuseTemplates !== undefined) {
        return json(res, this.refuseTemplates, {
          error: { type: 'security_exception', reason: `action [indices:admin/index_template/put] is unauthorized for user [logger]` },
          status: this.refuseTemplates,
        });
      }
      this.templates.set(template[1]!, JSON.parse(body));
      return json(res, 200, { acknowledged: true });
    }
    if (path !== '/_bulk' || req.method !== 'POST') {
      return json(res, 405, { error: `Incorrect HTTP method for uri [${req.url}] and method [${req.method}]`, status: 405 });
    }
    const scripted = this.answers.shift();
    if (scripted) return json(res, scripted.status, scripted.body, scripted.headers);
    if (!req.headers['content-type']?.startsWith('application/x-ndjson') && !req.headers['content-type']?.startsWith('application/json')) {
      return json(res, 406, { error: `Content-Type header [${req.headers['content-type']}] is not supported`, status: 406 });
    }
    const lines = body.split('\n').filter((l) => l !== '');
    const seen: BulkRequestSeen = {
      contentType: req.headers['content-type'],
      contentEncoding: req.headers['content-encoding'],
      authorization: req.headers.authorization,
      actions: [],
    };
    this.requests.push(seen);
    const items: Record<string, unknown>[] = [];
    let errors = false;
    for (let i = 0; i < lines.length; i += 2) {
      const action = JSON.parse(lines[i]!) as Record<string, { _index: string; _id?: string }>;
      const op = Object.keys(action)[0]!;
      const { _index: index, _id: id = `auto-${i}` } = action[op]!;
      seen.actions.push({ op, index, id: action[op]!._id });
      const source = JSON.parse(lines[i + 1] ?? 'null') as Record<string, unknown>;
      const result = this.store(op, index, id, source);
      if (result.status >= 300) errors = true;
      items.push({ [op]: { _index: index, _id: id, ...result } });
    }
    if (this.loseAnswers > 0) {
      this.loseAnswers--;
      res.destroy();
      return;
    }
    json(res, 200, { errors, took: 3, items });
  }

  /** ISM's policy API as OpenSearch answers it: an update must name the sequence number it replaces. */
  private ism(id: string, req: IncomingMessage, body: string, res: ServerResponse): void {
    const current = this.policies.get(id);
    if (req.method === 'GET') {
      if (!current) return json(res, 404, { error: { type: 'status_exception', reason: 'Policy not found' }, status: 404 });
      return json(res, 200, { _id: id, _seq_no: current.seqNo, _primary_term: 1, policy: current.policy });
    }
    const query = new URL(req.url ?? '/', 'http://x').searchParams;
    if (current && query.get('if_seq_no') !== String(current.seqNo)) {
      return json(res, 409, { error: { type: 'version_conflict_engine_exception', reason: `[${id}]: version conflict, document already exists` }, status: 409 });
    }
    const seqNo = (current?.seqNo ?? -1) + 1;
    this.policies.set(id, { policy: (JSON.parse(body) as { policy: unknown }).policy, seqNo });
    return json(res, current ? 200 : 201, { _id: id, _seq_no: seqNo, _primary_term: 1 });
  }

  private store(op: string, index: string, id: string, source: Record<string, unknown>): { status: number; result?: string; error?: unknown } {
    const rejections = this.rejectIds.get(id) ?? 0;
    if (rejections > 0) {
      this.rejectIds.set(id, rejections - 1);
      return {
        status: 429,
        error: { type: 'es_rejected_execution_exception', reason: 'rejected execution of coordinating operation [coordinating_and_primary_bytes=0, max_coordinating_and_primary_bytes=0]' },
      };
    }
    let docs = this.indices.get(index);
    if (docs === undefined) this.indices.set(index, (docs = new Map()));
    if (op === 'create' && docs.has(id)) {
      return { status: 409, error: { type: 'version_conflict_engine_exception', reason: `[${id}]: version conflict, document already exists (current version [1])` } };
    }
    const conflict = this.checkMapping(index, '', source);
    if (conflict) {
      return { status: 400, error: { type: 'document_parsing_exception', reason: `[1:2] failed to parse field [${conflict.field}] of type [${conflict.type}] in document with id '${id}'. Preview of field's value: '${conflict.value}'` } };
    }
    docs.set(id, source);
    return { status: 201, result: 'created' };
  }

  /** Dynamic mapping, simplified: a field's type is fixed by the first value it gets (long, keyword, boolean, object). */
  private checkMapping(index: string, prefix: string, value: unknown): { field: string; type: string; value: string } | undefined {
    if (value === null || value === undefined) return undefined;
    if (typeof value === 'object' && !Array.isArray(value)) {
      for (const [key, child] of Object.entries(value)) {
        const conflict = this.checkMapping(index, prefix === '' ? key : `${prefix}.${key}`, child);
        if (conflict) return conflict;
      }
      return undefined;
    }
    const type = typeof value === 'number' ? 'long' : typeof value === 'boolean' ? 'boolean' : Array.isArray(value) ? 'array' : 'keyword';
    const key = `${index}\u0000${prefix}`;
    const known = this.fieldTypes.get(key);
    if (known === undefined) {
      this.fieldTypes.set(key, type);
      return undefined;
    }
    if (known === 'long' && type === 'keyword' && !Number.isFinite(Number(value))) return { field: prefix, type: known, value: String(value) };
    return undefined;
  }
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers }).end(JSON.stringify(body));
}
