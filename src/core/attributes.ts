/**
 * The attribute names the enrichment stage writes. `log.record.uid` and `user.id` / `session.id` are
 * OTel semantic conventions; the `correlation.*` ids and `consumer.id` are ours.
 */
export const CORRELATION_ATTRIBUTES = {
  globalId: 'correlation.global_id',
  localId: 'correlation.local_id',
  externalId: 'correlation.external_id',
  sequence: 'log.record.sequence',
  uid: 'log.record.uid',
  userId: 'user.id',
  consumerId: 'consumer.id',
  sessionId: 'session.id',
  tags: 'tags',
} as const;

/**
 * The attributes of the record the sampling stage writes when the logging rules change (an audit record). Other
 * stages must leave them readable (the redaction allow-list keeps them).
 */
export const RULE_CHANGE_ATTRIBUTES = {
  audit: 'logkit.audit',
  outcome: 'logkit.rules.outcome',
  source: 'logkit.rules.source',
  origin: 'logkit.rules.origin',
  actor: 'logkit.rules.actor',
  changes: 'logkit.rules.changes',
  error: 'logkit.rules.error',
} as const;

/**
 * What deferral marks on a record: released from a held history (`deferred`), still held and
 * forwarded for a collector to decide (`held`), and the outcome of the unit of work that ended it
 * (`failed` releases the history). The sampling stage writes them; the collector and `view` read them.
 */
export const DEFERRAL_ATTRIBUTES = {
  deferred: 'logkit.deferred',
  held: 'logkit.deferred.held',
  outcome: 'logkit.execution.outcome',
} as const;

/**
 * What the dedup stage writes on a record that stands for several identical ones: how many
 * (`count`, the record included) and when the last of them was seen (RFC 3339, nanoseconds). The
 * record's own timestamp is the first one's. A record without `log.dedup.count` stands for itself.
 */
export const DEDUP_ATTRIBUTES = {
  count: 'log.dedup.count',
  lastSeen: 'log.dedup.last_seen',
} as const;

/**
 * What the collector's WARN record says about a service that stopped sending (see
 * `OTEL_LOGKIT_COLLECTOR_SILENCE_AFTER`): which service, when it was last heard (RFC 3339), and the
 * silence that was allowed (ms).
 */
export const SILENCE_ATTRIBUTES = {
  serviceName: 'logkit.silence.service.name',
  serviceInstanceId: 'logkit.silence.service.instance.id',
  lastSeen: 'logkit.silence.last_seen',
  afterMs: 'logkit.silence.after_ms',
} as const;

/**
 * What the sampling stage writes on a record it kept while adaptive sampling lowered its level's
 * ratio under backpressure: the probability (0..1) with which it was kept, so a backend can re-weight
 * counts (a record stands for 1/ratio). OTel has no log-record convention for this (trace sampling
 * carries it in `tracestate`), hence our own name. A record without it was kept at ratio 1 by adaptive sampling.
 */
export const SAMPLING_ATTRIBUTES = {
  ratio: 'logkit.sampling.ratio',
} as const;
