import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/core/errors.js';
import { importPeer, peerInstalled, requirePeer } from '../../../src/core/optional-peer.js';
import { GRPC_PEER } from '../../../exporters/otlp/grpc-library.js';
import { KAFKA_PEER } from '../../../exporters/kafka/client.js';
import { AWS4FETCH_PEER } from '../../../src/archive/config.js';

const absent = { name: 'otel-logkit-no-such-peer', purpose: 'a test' };

describe('optional peer dependencies (gRPC, Kafka, S3)', () => {
  it('are found when installed, whatever their exports (@platformatic/kafka is ESM only)', () => {
    for (const peer of [GRPC_PEER, KAFKA_PEER, AWS4FETCH_PEER]) expect(peerInstalled(peer), peer.name).toBe(true);
    expect(peerInstalled(absent)).toBe(false);
  });

  it('missing when a setting asks for one: a ConfigError at start-up naming the setting and carrying the exact install line', () => {
    let error: unknown;
    try {
      requirePeer(absent, 'OTEL_EXPORTER_OTLP_PROTOCOL', 'grpc');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(
      'OTEL_EXPORTER_OTLP_PROTOCOL=grpc: expected otel-logkit-no-such-peer to be installed (an optional peer dependency of otel-logkit, needed for a test): npm install otel-logkit-no-such-peer',
    );
  });

  it('loaded on first use, once; a failed load says what to install and is tried again next time', async () => {
    let loads = 0;
    const load = importPeer(absent, () => {
      loads++;
      return Promise.reject(new Error("Cannot find package 'otel-logkit-no-such-peer'"));
    });
    await expect(load()).rejects.toThrow('npm install otel-logkit-no-such-peer');
    await expect(load()).rejects.toThrow('npm install otel-logkit-no-such-peer');
    expect(loads).toBe(2);
    let ok = 0;
    const once = importPeer(absent, async () => ++ok);
    expect([await once(), await once()]).toEqual([1, 1]);
  });
});
