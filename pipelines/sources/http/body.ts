/**
 * Reading a POSTed body: its Content-Type (415), its Content-Encoding (gzip, snappy), its size (413) and
 * how long it may take to arrive (408). The body is read and inflated as it streams in, so neither a slow
 * sender nor a compression bomb can hold more than the body limit in memory or block the event loop.
 */
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import snappy from 'snappyjs';
import { HttpError } from './http-error.js';

/** An error status after which the rest of the body is not read: the connection is closed. */
const CLOSE = { connection: 'close' } as const;

/** The media type of a Content-Type header, checked against what the endpoint accepts (415 otherwise). */
export function requireMediaType(
  header: string | undefined,
  allowed: readonly string[],
  what: string,
): string {
  const type = mediaType(header);
  if (!allowed.includes(type))
    throw new HttpError(415, `${what} expects Content-Type ${allowed.join(', ')}; got "${type || '(none)'}"`);
  return type;
}

/** The lower-case media type of a Content-Type header, without parameters ('' when absent). */
export function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

/** The Content-Encoding of a request, checked against what the endpoint accepts (415 otherwise). */
export function requireEncoding(header: string | undefined, allowed: readonly string[]): string {
  const encoding = (header ?? 'identity').trim().toLowerCase() || 'identity';
  if (!allowed.includes(encoding))
    throw new HttpError(415, `unsupported Content-Encoding "${encoding}" (supported: ${allowed.join(', ')})`);
  return encoding;
}

export interface BodyLimits {
  /** Most bytes on the wire, and most bytes once a gzip body is inflated. */
  limitBytes: number;
  /** The whole body must have arrived within this (408 otherwise). */
  timeoutMs: number;
  /** Called with each chunk's size as it is held; false refuses the body (the process-wide budget is spent). */
  hold?: (bytes: number) => boolean;
}

/**
 * Read a request body to its end, inflating gzip on the fly. Rejects with an HttpError as soon as a limit
 * is passed: 413 over `limitBytes` on the wire or inflated, 408 when it has not arrived in time, 503 when
 * the budget of bodies held at once is spent, 400 for a broken gzip stream.
 */
export function readBody(
  stream: Readable,
  encoding: string,
  declaredLength: number | undefined,
  limits: BodyLimits,
): Promise<Buffer> {
  const { limitBytes, timeoutMs } = limits;
  if (declaredLength !== undefined && declaredLength > limitBytes)
    return Promise.reject(
      new HttpError(413, `body of ${declaredLength} bytes is over the limit of ${limitBytes} bytes`, CLOSE),
    );
  const gzip = encoding === 'gzip' || encoding === 'x-gzip';
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let wire = 0;
    let held = 0;
    let settled = false;
    const inflate = gzip ? createGunzip() : undefined;
    const finish = (error: HttpError | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (!error) return resolve(Buffer.concat(chunks, held));
      chunks.length = 0;
      if (inflate) {
        stream.unpipe(inflate);
        inflate.destroy();
      }
      // Stop reading: what is left of the body is dropped and the connection closes after the answer.
      stream.pause();
      reject(error);
    };
    const timer = setTimeout(
      () =>
        finish(
          new HttpError(
            408,
            `the body did not arrive within ${timeoutMs} ms (ingest.body_timeout_ms)`,
            CLOSE,
          ),
        ),
      timeoutMs,
    );
    stream.on('data', (chunk: Buffer) => {
      wire += chunk.length;
      if (wire > limitBytes)
        finish(new HttpError(413, `body is over the limit of ${limitBytes} bytes`, CLOSE));
    });
    const output: Readable = inflate ?? stream;
    output.on('data', (chunk: Buffer) => {
      if (settled) return;
      held += chunk.length;
      if (held > limitBytes)
        return finish(
          new HttpError(413, `body expands beyond the limit of ${limitBytes} bytes when decompressed`, CLOSE),
        );
      if (limits.hold && !limits.hold(chunk.length))
        return finish(
          new HttpError(503, 'too many request bodies held at once; retry later', {
            ...CLOSE,
            'retry-after': '1',
          }),
        );
      chunks.push(chunk);
    });
    output.on('end', () => finish(undefined));
    stream.on('error', (error) =>
      finish(new HttpError(400, `body could not be read: ${error.message}`, CLOSE)),
    );
    stream.on('aborted', () => finish(new HttpError(400, 'the client aborted the body', CLOSE)));
    if (inflate) {
      inflate.on('error', (error) =>
        finish(new HttpError(400, `body is not valid gzip: ${error.message}`, CLOSE)),
      );
      stream.pipe(inflate);
    }
  });
}

/** A snappy block (remote_write) uncompressed, at most `limitBytes`: its declared length is checked first. */
export function unsnappy(raw: Buffer, limitBytes: number): Buffer {
  try {
    return Buffer.from(snappy.uncompress(new Uint8Array(raw), limitBytes));
  } catch (error) {
    const message = (error as Error).message;
    if (/too big|exceed/i.test(message))
      throw new HttpError(413, `body expands beyond the limit of ${limitBytes} bytes when decompressed`);
    throw new HttpError(400, `body is not valid snappy (block format): ${message}`);
  }
}
