/** Reading a POSTed body: its Content-Type (415), its Content-Encoding (gzip, snappy) and size limits (413). */
import { gunzipSync } from 'node:zlib';
import snappy from 'snappyjs';
import { HttpError } from './http-error.js';

/** Compressed bodies may expand to at most this many times the body limit (a zip bomb gets 413, not OOM). */
const MAX_EXPANSION = 10;

/** The media type of a Content-Type header, checked against what the endpoint accepts (415 otherwise). */
export function requireMediaType(
  header: string | undefined,
  allowed: readonly string[],
  what: string,
): string {
  const type = (header ?? '').split(';')[0]!.trim().toLowerCase();
  if (!allowed.includes(type))
    throw new HttpError(415, `${what} expects Content-Type ${allowed.join(', ')}; got "${type || '(none)'}"`);
  return type;
}

/** The body decompressed per its Content-Encoding, at most `limitBytes` × MAX_EXPANSION bytes. */
export function decodeBody(
  raw: Buffer,
  encodingHeader: string | undefined,
  limitBytes: number,
  allowed: readonly string[],
): Buffer {
  const encoding = (encodingHeader ?? 'identity').trim().toLowerCase() || 'identity';
  if (!allowed.includes(encoding))
    throw new HttpError(415, `unsupported Content-Encoding "${encoding}" (supported: ${allowed.join(', ')})`);
  const max = limitBytes * MAX_EXPANSION;
  if (encoding === 'gzip' || encoding === 'x-gzip') {
    try {
      return gunzipSync(raw, { maxOutputLength: max });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
        throw new HttpError(413, `body expands beyond ${max} bytes when decompressed`);
      throw new HttpError(400, `body is not valid gzip: ${(error as Error).message}`);
    }
  }
  if (encoding === 'snappy') {
    try {
      return Buffer.from(snappy.uncompress(new Uint8Array(raw), max));
    } catch (error) {
      const message = (error as Error).message;
      if (/length|exceed/i.test(message))
        throw new HttpError(413, `body expands beyond ${max} bytes when decompressed`);
      throw new HttpError(400, `body is not valid snappy (block format): ${message}`);
    }
  }
  return raw;
}
