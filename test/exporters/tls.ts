import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCertificates {
  dir: string;
  /** Paths, for the OTEL_EXPORTER_OTLP_* variables. */
  caPath: string;
  clientCertPath: string;
  clientKeyPath: string;
  /** Contents, for the receiver. */
  ca: Buffer;
  serverCert: Buffer;
  serverKey: Buffer;
}

/** A throwaway CA with a server certificate for 127.0.0.1 and a client certificate, made with openssl at test time. */
export function generateCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'logkit-tls-'));
  const at = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=logkit test CA');
  writeFileSync(at('server.ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  writeFileSync(at('client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const name of ['server', 'client']) {
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=logkit test ${name}`);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`);
  }
  return {
    dir,
    caPath: at('ca.crt'),
    clientCertPath: at('client.crt'),
    clientKeyPath: at('client.key'),
    ca: readFileSync(at('ca.crt')),
    serverCert: readFileSync(at('server.crt')),
    serverKey: readFileSync(at('server.key')),
  };
}
