import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { argumentError, describeValue, SafetensorsError } from './errors';
import { openSource, type SafetensorsReader } from './read';
import { type ByteSource, type SafetensorsSource, toByteSource } from './source';
import { encodeTensor, planSafetensors, type TensorToWrite, tensorSpecs } from './write';

export * from './index';

/**
 * A source over a file on disk: each read is one positioned `FileHandle.read`, so a multi-GB
 * file is never loaded whole. Close it when done (the reader's `close()` does).
 * @throws SafetensorsError `IO` when the file cannot be opened, `INVALID_SOURCE` when `path` is not a string.
 */
export async function fileSource(path: string): Promise<ByteSource> {
  if (typeof path !== 'string' || path === '') throw new SafetensorsError('INVALID_SOURCE', `fileSource: expected a file path, got ${describeValue(path)}`);
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch (cause) {
    throw new SafetensorsError('IO', `readSafetensors: cannot open ${path} (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message})`, { cause });
  }
  const { size } = await handle.stat();
  return {
    size,
    read: async (offset, length) => {
      const out = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await handle.read(out, done, length - done, offset + done);
        if (bytesRead === 0) break; // the file shrank under us: the caller sees a short read
        done += bytesRead;
      }
      return done === length ? out : out.subarray(0, done);
    },
    close: () => handle.close(),
  };
}

/**
 * {@link readSafetensors} for Node: also accepts a file path, read lazily with positioned reads.
 * @throws SafetensorsError for every malformed file (see the browser entry).
 */
export async function readSafetensors(source: SafetensorsSource | string): Promise<SafetensorsReader> {
  const fn = 'readSafetensors';
  const src = typeof source === 'string' ? await fileSource(source) : toByteSource(fn, source);
  try {
    return await openSource(fn, src);
  } catch (e) {
    await src.close?.();
    throw e;
  }
}

/** A tensor for {@link writeSafetensorsFile}: its values or bytes, or a function giving them when its turn comes. */
export type LazyTensorToWrite =
  | TensorToWrite
  | { dtype: TensorToWrite['dtype']; shape: readonly number[]; load: () => Promise<TensorToWrite> | TensorToWrite };

/**
 * Writes a safetensors file tensor by tensor (each `load()` is called only when its bytes are
 * due, so a residual model larger than memory can be produced), to a temporary file beside
 * `path` that is renamed over `path` only once everything is written: a failure leaves no
 * partial output.
 * @throws SafetensorsError as `writeSafetensors`, or `IO`.
 */
export async function writeSafetensorsFile(
  path: string,
  tensors: Readonly<Record<string, LazyTensorToWrite>>,
  metadata: Readonly<Record<string, string>> = {},
): Promise<void> {
  const fn = 'writeSafetensorsFile';
  checkPath(fn, path);
  const plan = planSafetensors(fn, tensorSpecs(fn, tensors), metadata);
  await atomicWrite(path, async (write) => {
    await write(plan.header);
    for (const p of plan.tensors) {
      const t = tensors[p.name]!;
      const value = 'load' in t && typeof t.load === 'function' ? await t.load() : (t as TensorToWrite);
      if (value.dtype !== p.dtype || value.shape.length !== p.shape.length || value.shape.some((d, i) => d !== p.shape[i])) {
        throw new SafetensorsError('INVALID_TENSOR', `${fn}: tensor "${p.name}" was announced as ${p.dtype} [${p.shape.join(', ')}] but loaded as ${value.dtype} [${value.shape.join(', ')}]`, {
          tensor: p.name,
        });
      }
      await write(encodeTensor(fn, p.name, value));
    }
  });
}

/**
 * Runs `body` with a writer to a temporary file in `path`'s directory, then renames it to `path`.
 * On any error the temporary file is removed and the error rethrown: `path` is either the complete
 * new file or untouched.
 * @throws SafetensorsError `INVALID_ARGUMENT` (a non-string path, a body that is not a function), `IO`.
 */
export async function atomicWrite(path: string, body: (write: (bytes: Uint8Array) => Promise<void>) => Promise<void>): Promise<void> {
  checkPath('atomicWrite', path);
  if (typeof body !== 'function') throw argumentError('atomicWrite', 'body', 'a function', body);
  const tmp = join(dirname(path), `.${basename(path)}.${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}.tmp`);
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(tmp, 'wx');
    const h = handle;
    await body(async (bytes) => {
      let done = 0;
      while (done < bytes.length) done += (await h.write(bytes, done, bytes.length - done)).bytesWritten;
    });
    await handle.close();
    handle = undefined;
    await rename(tmp, path);
  } catch (e) {
    await handle?.close().catch(() => {});
    await rm(tmp, { force: true });
    if (e instanceof SafetensorsError) throw e;
    throw new SafetensorsError('IO', `writeSafetensorsFile: writing ${path} failed (${(e as Error).message})`, { cause: e });
  }
}

/** Throws `INVALID_ARGUMENT` unless `path` is a non-empty string. */
function checkPath(fn: string, path: unknown): void {
  if (typeof path !== 'string' || path === '') throw argumentError(fn, 'path', 'a non-empty file path', path);
}
