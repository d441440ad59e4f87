import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCertificates, type TestCertificates } from '../../exporters/tls.js';
import { type CollectorUnderTest, otlpJson, startCollector, until } from './harness.js';

let certs: TestCertificates;
let running: CollectorUnderTest;
beforeAll(async () => {
  certs = generateCertificates();
  running = await startCollector(
    { OTEL_LOGKIT_COLLECTOR_TOKEN: 'tls-token' },
    { tlsCert: certs.serverCert, tlsKey: certs.serverKey, tlsClientCa: certs.ca },
  );
});
afterAll(() => running.close());

/** One HTTPS POST with the given client certificate (or none); resolves with the status or the TLS error code. */
function send(withClientCert: boolean): Promise<number | string> {
  return new Promise((resolve) => {
    const clientCert = withClientCert ? { cert: readFileSync(certs.clientCertPath), key: readFileSync(certs.clientKeyPath) } : {};
    const req = request(
      running.url,
      { method: 'POST', ca: certs.ca, headers: { 'content-type': 'application/json', authorization: 'Bearer tls-token' }, ...clientCert },
      (res) => {
        res.resume();
        resolve(res.statusCode!);
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    req.end(otlpJson([{ body: withClientCert ? 'over mTLS' : 'no client cert' }]));
  });
}

describe('collector over TLS with client certificates (mTLS)', () => {
  it('serves HTTPS, refuses a client without a certificate signed by the configured CA, accepts one with it', async () => {
    expect(running.url).toMatch(/^https:\/\//);
    expect(await send(false)).not.toBe(200);
    expect(await send(true)).toBe(200);
    await until(() => running.backend.records.length === 1, 'the mTLS record');
  });
});
