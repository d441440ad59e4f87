import type { AwsClient } from 'aws4fetch';
import { importPeer } from '../core/optional-peer.js';
import { AWS4FETCH_PEER, type S3StoreConfig } from './config.js';
import type { ArchiveStore } from './store.js';

const loadAws4fetch = importPeer(AWS4FETCH_PEER, () => import('aws4fetch'));

/**
 * An S3-compatible object store (AWS S3, MinIO, versitygw, Ceph RGW …) through `aws4fetch`: SigV4
 * signing over the runtime's `fetch`, no other dependency (the AWS SDK's S3 client would bring
 * ~100 packages for two calls). Objects are `<prefix>sha256/<address>`, addressed path-style
 * (`<endpoint>/<bucket>/<key>`), which every S3-compatible server accepts.
 */
export class S3Store implements ArchiveStore {
  readonly description: string;
  /** Made at the first request: the signer is loaded only by an application that archives to S3. */
  private client: Promise<AwsClient> | undefined;

  constructor(private readonly config: S3StoreConfig) {
    this.description = `s3 bucket ${config.bucket} at ${config.endpoint.origin}`;
  }

  private signer(): Promise<AwsClient> {
    const { config } = this;
    this.client ??= loadAws4fetch().then(
      ({ AwsClient }) =>
        new AwsClient({
          accessKeyId: config.accessKeyId,
          secretAccessKey: config.secretAccessKey,
          sessionToken: config.sessionToken,
          region: config.region,
          service: 's3',
          retries: 3,
        }),
    );
    return this.client;
  }

  async put(address: string, bytes: Uint8Array): Promise<void> {
    const response = await (await this.signer()).fetch(this.urlOf(address), { method: 'PUT', body: bytes, headers: { 'content-type': 'application/octet-stream' } });
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`${this.description} answered ${response.status} to PUT ${address}`);
  }

  async get(address: string): Promise<Buffer | undefined> {
    const response = await (await this.signer()).fetch(this.urlOf(address));
    const body = Buffer.from(await response.arrayBuffer());
    if (response.status === 404) return undefined;
    if (!response.ok) throw new Error(`${this.description} answered ${response.status} to GET ${address}: ${body.toString('utf8').slice(0, 200)}`);
    return body;
  }

  private urlOf(address: string): string {
    const base = this.config.endpoint.href.replace(/\/$/, '');
    return `${base}/${encodeURIComponent(this.config.bucket)}/${this.config.prefix}sha256/${address}`;
  }
}
