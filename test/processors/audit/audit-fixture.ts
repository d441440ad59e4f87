import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SeverityNumber } from '@opentelemetry/api';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { createLogPipeline } from '../../../src/pipeline.js';
import { AUDIT_LOG_TYPE, LOG_TYPE_ATTRIBUTE } from '../../../src/core/audit-record.js';

/** A fresh directory with an Ed25519 key pair as PEM files, a spool and a file-output directory. */
export function auditWorkspace(): { dir: string; privateKeyFile: string; publicKeyFile: string; spoolDir: string; outDir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'logkit-audit-'));
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const privateKeyFile = join(dir, 'audit.key.pem');
  const publicKeyFile = join(dir, 'audit.pub.pem');
  writeFileSync(privateKeyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  writeFileSync(publicKeyFile, publicKey.export({ type: 'spki', format: 'pem' }));
  return { dir, privateKeyFile, publicKeyFile, spoolDir: join(dir, 'spool'), outDir: join(dir, 'out') };
}

/** The environment of the audited service: file output, spool, key, a digest every 4 records. */
export function writerEnv(ws: ReturnType<typeof auditWorkspace>, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH!,
    OTEL_SERVICE_NAME: 'billing',
    OTEL_LOGS_EXPORTER: 'file',
    OTEL_LOGKIT_FILE_DIR: ws.outDir,
    OTEL_LOGKIT_SPOOL_DIR: ws.spoolDir,
    OTEL_LOGKIT_AUDIT_SIGNING_KEY_FILE: ws.privateKeyFile,
    OTEL_LOGKIT_AUDIT_DIGEST_RECORDS: '4',
    ...extra,
  };
}

/** One process's life: a pipeline to the file output with auditing on, `count` audit records, shutdown. */
export async function writeAuditRecords(ws: ReturnType<typeof auditWorkspace>, from: number, count: number, env: Record<string, string> = {}): Promise<Record<string, unknown>> {
  const pipeline = createLogPipeline({
    env: writerEnv(ws, { OTEL_LOGKIT_LEVEL: 'error', OTEL_LOGKIT_RATE_LIMIT: '1', ...env }),
  });
  const provider = new LoggerProvider({ resource: pipeline.resource, processors: pipeline.processors });
  const logger = provider.getLogger('billing.audit', undefined, { attributes: { [LOG_TYPE_ATTRIBUTE]: AUDIT_LOG_TYPE } });
  for (let i = from; i < from + count; i++) {
    logger.emit({
      severityNumber: SeverityNumber.INFO,
      body: `refund ${i} approved`,
      attributes: { [LOG_TYPE_ATTRIBUTE]: AUDIT_LOG_TYPE, 'refund.id': i, 'user.email': 'ann@example.com', nested: { amount: i * 10, ok: true } },
    });
  }
  logger.emit({ severityNumber: SeverityNumber.INFO, body: 'an ordinary record, below the level' });
  await provider.shutdown();
  return pipeline.stats();
}
