// @ts-expect-error -- snappyjs ships no type declarations; its two functions are typed below.
import { compress, uncompress } from 'snappyjs';

/** Snappy block format (not framed), as Loki's push API expects for protobuf bodies. */
export const snappyCompress: (input: Uint8Array) => Uint8Array = compress;
export const snappyUncompress: (input: Uint8Array, maxLength?: number) => Uint8Array = uncompress;
