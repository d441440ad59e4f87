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
