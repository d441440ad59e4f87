import { importPeer, type OptionalPeer } from '../../src/core/optional-peer.js';

/** `@grpc/grpc-js`: OTLP/gRPC, out (this exporter) and in (the collector's gRPC input). An optional peer. */
export const GRPC_PEER: OptionalPeer = { name: '@grpc/grpc-js', purpose: 'OTLP/gRPC' };

export type GrpcLibrary = typeof import('@grpc/grpc-js');

/**
 * The gRPC library, loaded on first use: an application that sends OTLP/HTTP never loads it, and
 * need not install it (NodeSDK set-ups already carry it through the SDK's own gRPC exporters).
 */
export const loadGrpc: () => Promise<GrpcLibrary> = importPeer(GRPC_PEER, () => import('@grpc/grpc-js'));
