/** How records reach the collector: the OpenTelemetry Collector's `transport` label. */
export type Transport = 'http' | 'grpc' | 'kafka';

/** What one transport brought in. */
export interface TransportNumbers {
  /** Records in requests that were read (a malformed request has none to count). */
  received: number;
  /** Records answered as accepted. */
  accepted: number;
  /** Records answered as not accepted: the request refused (queue or spool full), or the record alone (limits, policy). */
  refused: number;
  /** Request bodies as they arrived, compressed (gRPC hands over its messages decompressed: there, the same as decoded; the Kafka input counts no bytes). */
  wireBytes: number;
  /** Request bodies once decompressed: what was decoded. */
  decodedBytes: number;
}

/** The receiver's numbers per transport; a transport appears once it has seen a request. */
export class TransportCounts {
  private readonly by = new Map<Transport, TransportNumbers>();

  of(transport: Transport): TransportNumbers {
    let numbers = this.by.get(transport);
    if (numbers === undefined) this.by.set(transport, (numbers = { received: 0, accepted: 0, refused: 0, wireBytes: 0, decodedBytes: 0 }));
    return numbers;
  }

  entries(): [Transport, Readonly<TransportNumbers>][] {
    return [...this.by.entries()];
  }

  total(): TransportNumbers {
    const sum: TransportNumbers = { received: 0, accepted: 0, refused: 0, wireBytes: 0, decodedBytes: 0 };
    for (const numbers of this.by.values()) for (const key in sum) sum[key as keyof TransportNumbers] += numbers[key as keyof TransportNumbers];
    return sum;
  }
}
