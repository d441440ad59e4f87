// The e2e backends, each a real server on loopback ports, installed and built by scripts/ into the
// e2e cache (see README.md in this folder). Every start function runs the idempotent install step
// first, waits until the backend answers, and fails with the backend's log if it does not.
export { startCollector, type CollectorBackend } from './harness/collector.js';
export { startOpenSearch, type OpenSearchBackend, type OpenSearchHit } from './harness/opensearch.js';
export { startLoki, type LokiBackend, type LokiStream } from './harness/loki.js';
export { startKafka, type KafkaBackend } from './harness/kafka.js';
export { startKafkaCollector, type KafkaCollectorBackend, type KafkaCollectorTopics } from './harness/collector-kafka.js';
export { type BackendLifecycle } from './harness/BackendLifecycle.js';
export { BackendStartError } from './harness/ManagedProcess.js';
export { eventually } from './harness/eventually.js';
