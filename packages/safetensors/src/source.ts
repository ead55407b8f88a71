import { describeValue, SafetensorsError } from './errors';

/**
 * Random access to the bytes of a file: the reader asks for the header, then for one tensor's
 * byte range at a time, so a file larger than memory is never loaded whole.
 */
export interface ByteSource {
  /** Total bytes. */
  readonly size: number;
  /** Exactly `length` bytes starting at `offset` (the caller keeps within `size`). */
  read(offset: number, length: number): Promise<Uint8Array>;
  /** Releases what the source holds (a file handle); optional. */
  close?(): Promise<void>;
}

/** A source over bytes already in memory (views, no copies). */
export function bytesSource(bytes: Uint8Array | ArrayBuffer): ByteSource {
  const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  return {
    size: u8.length,
    read: async (offset, length) => u8.subarray(offset, offset + length),
  };
}

/**
 * A source over a Blob or File: each read is a `Blob.slice`, so nothing else is loaded.
 * @throws SafetensorsError `INVALID_SOURCE` when `blob` is not a Blob.
 */
export function blobSource(blob: Blob): ByteSource {
  if (typeof Blob === 'undefined' || !(blob instanceof Blob)) throw new SafetensorsError('INVALID_SOURCE', `blobSource: expected a Blob, got ${describeValue(blob)}`);
  return {
    size: blob.size,
    read: async (offset, length) => {
      try {
        return new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer());
      } catch (cause) {
        throw new SafetensorsError('IO', `readSafetensors: reading bytes ${offset}..${offset + length} of the blob failed (${(cause as Error).message})`, { cause });
      }
    },
  };
}

/** Anything `readSafetensors` accepts in every environment. */
export type SafetensorsSource = Uint8Array | ArrayBuffer | Blob | ByteSource;

function isByteSource(s: unknown): s is ByteSource {
  return typeof s === 'object' && s !== null && typeof (s as ByteSource).read === 'function' && typeof (s as ByteSource).size === 'number';
}

/** Wraps a supported source; anything else is a typed error. */
export function toByteSource(fn: string, source: unknown): ByteSource {
  if (source instanceof Uint8Array || source instanceof ArrayBuffer) return bytesSource(source);
  if (typeof Blob !== 'undefined' && source instanceof Blob) return blobSource(source);
  if (isByteSource(source)) return source;
  const what = typeof source === 'string' ? 'a path (paths are read by the Node entry, @x/safetensors/node)' : Object.prototype.toString.call(source);
  throw new SafetensorsError('INVALID_SOURCE', `${fn}: expected bytes (Uint8Array/ArrayBuffer), a Blob or a ByteSource, got ${what}`);
}
