import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDoctorCommand } from '../../../../src/cli/doctor/command.js';
import { LoopbackReceiver } from '../../../exporters/receiver.js';
import { generateCertificates, type TestCertificates } from '../../../exporters/tls.js';
import { runCaptured } from '../view/capture.js';

let healthy: LoopbackReceiver;
let secure: LoopbackReceiver;
let certificates: TestCertificates;
let unauthorized: Server;
let unauthorizedUrl: string;
/** The X-Scope-OrgID of every request the 401 server saw. */
const tenants: (string | undefined)[] = [];
let refusedUrl: string;
let dir: string;

beforeAll(async () => {
  healthy = await LoopbackReceiver.start();
  certificates = generateCertificates();
  secure = await LoopbackReceiver.start({ cert: certificates.serverCert, key: certificates.serverKey });
  unauthorized = createServer((req, res) => {
    tenants.push(req.headers['x-scope-orgid'] as string | undefined);
    req.resume();
    req.on('end', () => res.writeHead(401, { 'WWW-Authenticate': 'Basic' }).end('no credentials'));
  });
  await new Promise<void>((resolve) => unauthorized.listen(0, '127.0.0.1', resolve));
  unauthorizedUrl = `http://127.0.0.1:${(unauthorized.address() as AddressInfo).port}`;
  // A port that was just listening and is now closed: connections to it are refused.
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  refusedUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  dir = mkdtempSync(join(tmpdir(), 'logkit-doctor-'));
});

afterAll(async () => {
  await healthy?.close();
  await secure?.close();
  unauthorized?.closeAllConnections();
  await new Promise<void>((resolve) => unauthorized?.close(() => resolve()));
});

const doctor = (env: NodeJS.ProcessEnv, args: string[] = []) => runCaptured(runDoctorCommand, args, env);

describe('otel-logkit doctor', () => {
  it('answers 0 and "all is well" when the OTLP receiver accepts an empty export request and the spool and dead-letter directories are writable', async () => {
    const before = healthy.requests;
    const spool = join(dir, 'spool');
    const { code, stdout } = await doctor({ OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: healthy.url, OTEL_LOGKIT_SPOOL_DIR: spool, OTEL_LOGKIT_DEAD_LETTER_DIR: join(dir, 'dead') });
    expect(stdout).toMatch(/configuration\n {2}valid +ok {4}exporters otlp; spool .*spool; dead-letter .*dead/);
    expect(stdout).toMatch(/reachable +ok .*accepts connections/);
    expect(stdout).toMatch(/accepts logs +ok .*empty http\/protobuf export request was accepted \(HTTP 200\)/);
    expect(stdout).toMatch(/spool +.*\n {2}writable +ok/);
    expect(stdout).toContain('all is well.');
    expect(code).toBe(0);
    // One request, holding no record; the directory probe left nothing behind.
    expect(healthy.requests - before).toBe(1);
    expect(healthy.received.at(-1)!.records).toEqual([]);
    expect(readdirSync(spool)).toEqual([]);
  });

  it('reports a refused connection with the variable to fix, and answers 1', async () => {
    const { code, stdout } = await doctor({ OTEL_EXPORTER_OTLP_ENDPOINT: refusedUrl });
    expect(code).toBe(1);
    expect(stdout).toMatch(/reachable +FAIL {2}connection refused at 127\.0\.0\.1:\d+/);
    expect(stdout).toContain('fix: start the OTLP/HTTP receiver (e.g. the Collector on port 4318), or set OTEL_EXPORTER_OTLP_ENDPOINT to where it listens');
    expect(stdout).toContain('1 problem found.');
  });

  it('names the gRPC receiver and port 4317 when the protocol is grpc', async () => {
    const { code, stdout } = await doctor({ OTEL_EXPORTER_OTLP_ENDPOINT: refusedUrl, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' });
    expect(code).toBe(1);
    expect(stdout).toContain('fix: start the OTLP/gRPC receiver (e.g. the Collector on port 4317), or set OTEL_EXPORTER_OTLP_ENDPOINT to where it listens');
  });

  it('for a 404, explains the variable that was really set: OTEL_EXPORTER_OTLP_ENDPOINT is a base URL, OTEL_EXPORTER_OTLP_LOGS_ENDPOINT is used as is', async () => {
    const notFound = createServer((req, res) => req.resume().on('end', () => res.writeHead(404).end('404 page not found')));
    await new Promise<void>((resolve) => notFound.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(notFound.address() as AddressInfo).port}`;
    const generic = await doctor({ OTEL_EXPORTER_OTLP_ENDPOINT: `${base}/v1/logs` });
    expect(generic.code).toBe(1);
    expect(generic.stdout).toContain('fix: OTEL_EXPORTER_OTLP_ENDPOINT is the base URL and /v1/logs is appended (/v1/logs/v1/logs was requested)');
    const specific = await doctor({ OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: base });
    expect(specific.code).toBe(1);
    expect(specific.stdout).toContain('fix: OTEL_EXPORTER_OTLP_LOGS_ENDPOINT is used as is and must be the whole URL, ending in /v1/logs');
    expect(specific.stdout).not.toContain('OTEL_EXPORTER_OTLP_ENDPOINT is the base');
    notFound.closeAllConnections();
    await new Promise<void>((resolve) => notFound.close(() => resolve()));
  });

  it('reports refused credentials (401) from OTLP and from Loki, naming the credential variables', async () => {
    const otlp = await doctor({ OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: `${unauthorizedUrl}/v1/logs`, OTEL_EXPORTER_OTLP_LOGS_HEADERS: 'Authorization=Bearer wrong-secret' });
    expect(otlp.code).toBe(1);
    expect(otlp.stdout).toMatch(/accepts logs +FAIL {2}credentials refused \(HTTP 401: no credentials\)/);
    expect(otlp.stdout).toContain('fix: set OTEL_EXPORTER_OTLP_LOGS_HEADERS (e.g. Authorization=Bearer <token>) to valid credentials');
    expect(otlp.stdout).not.toContain('wrong-secret');
    const loki = await doctor({ OTEL_LOGS_EXPORTER: 'loki', OTEL_LOGKIT_LOKI_ENDPOINT: unauthorizedUrl, OTEL_LOGKIT_LOKI_USERNAME: 'ops', OTEL_LOGKIT_LOKI_PASSWORD: 'hunter2' });
    expect(loki.code).toBe(1);
    expect(loki.stdout).toMatch(/loki {2}http:\/\/127\.0\.0\.1:\d+\n {2}reachable +ok .*\n {2}auth +FAIL {2}credentials refused \(HTTP 401/);
    expect(loki.stdout).toContain('fix: set OTEL_LOGKIT_LOKI_USERNAME/OTEL_LOGKIT_LOKI_PASSWORD or OTEL_LOGKIT_LOKI_BEARER_TOKEN to valid credentials');
    expect(loki.stdout).not.toContain('hunter2');
  });

  it('probes a route target with settings of its own (a Loki tenant) as a destination of its own', async () => {
    tenants.length = 0;
    const { code, stdout } = await doctor({
      OTEL_LOGS_EXPORTER: 'loki',
      OTEL_LOGKIT_LOKI_ENDPOINT: unauthorizedUrl,
      OTEL_LOGKIT_ROUTES: 'log.type=audit -> loki(tenant=security)',
    });
    expect(code).toBe(1);
    expect(stdout).toMatch(/^loki {2}http/m);
    expect(stdout).toMatch(/^loki\(tenant=security\) {2}http/m);
    expect(tenants.sort()).toEqual(['security', undefined]);
  });

  it('tells an untrusted server certificate from a good TLS handshake, naming the CA variable', async () => {
    const untrusted = await doctor({ OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: secure.url });
    expect(untrusted.code).toBe(1);
    expect(untrusted.stdout).toMatch(/reachable +ok .*\n {2}TLS +FAIL {2}the server's certificate is not trusted \(\w+\)/);
    expect(untrusted.stdout).toContain('fix: set OTEL_EXPORTER_OTLP_LOGS_CERTIFICATE to the file of the CA that signed it');
    const trusted = await doctor({ OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: secure.url, OTEL_EXPORTER_OTLP_LOGS_CERTIFICATE: certificates.caPath });
    expect(trusted.stdout).toMatch(/TLS +ok {4}TLSv1\.\d handshake, certificate verified for 127\.0\.0\.1/);
    expect(trusted.code).toBe(0);
  });

  it('reports a spool directory it cannot create, with the variable to change', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'not a directory');
    const { code, stdout } = await doctor({ OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: healthy.url, OTEL_LOGKIT_SPOOL_DIR: join(file, 'spool') });
    expect(code).toBe(1);
    expect(stdout).toMatch(/writable +FAIL {2}.*a-file\/spool: ENOTDIR/);
    expect(stdout).toContain('fix: set OTEL_LOGKIT_SPOOL_DIR to a directory this process can create and write');
  });

  it('reports a configuration error exactly as the library would refuse it, with its fix, and answers 1', async () => {
    const { code, stdout } = await doctor({ OTEL_LOGS_EXPORTER: 'otlp,bogus' });
    expect(code).toBe(1);
    expect(stdout).toContain('valid          FAIL  OTEL_LOGS_EXPORTER=otlp,bogus: expected a comma-separated list of');
    expect(stdout).toMatch(/fix: set OTEL_LOGS_EXPORTER to a comma-separated list of otlp, console, file, loki, elasticsearch/);
  });

  it('refuses an unknown option with exit code 2', async () => {
    const { code, stderr } = await doctor({}, ['--bogus']);
    expect(code).toBe(2);
    expect(stderr).toContain('--bogus');
  });
});
