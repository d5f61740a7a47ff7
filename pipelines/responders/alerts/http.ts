/**
 * One HTTP attempt for the alert channels: POST JSON with a per-attempt timeout, classify the answer with
 * the shared rules (runtime/delivery.ts), and never let a secret (URL path, routing key, signing secret)
 * reach an error message or a log line.
 */
import type { Delivery } from '../../core/delivery.js';
import { classifyHttpStatus } from '../../runtime/delivery.js';

export interface PostOptions {
  /** Channel name, used to prefix error messages. */
  channel: string;
  url: string;
  body: string;
  headers?: Record<string, string>;
  timeoutMs: number;
  signal: AbortSignal;
  /** Strings removed from any error text (the URL itself is never quoted). */
  secrets?: string[];
  now?: () => number;
}

/** Replace every secret by "[redacted]". Short strings are skipped: they would blank out ordinary words. */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 6) out = out.split(secret).join('[redacted]');
  return out;
}

/**
 * The parts of a URL that may be credentials: the whole URL, its path and query, and any long path
 * segment (Slack's incoming-webhook token, a token in a generic webhook path).
 */
export function urlSecrets(url: string): string[] {
  const out = [url];
  try {
    const u = new URL(url);
    out.push(u.pathname + u.search, ...u.pathname.split('/').filter((segment) => segment.length >= 12));
    if (u.search.length > 1) out.push(u.search.slice(1));
    if (u.password) out.push(u.password);
  } catch {
    // Not a URL: the whole string is already in the list.
  }
  return out.filter((s) => s !== '/' && s !== '');
}

function networkReason(error: unknown): string {
  const e = error as { name?: string; cause?: { code?: string; name?: string } };
  if (e?.name === 'TimeoutError') return 'timeout';
  // undici puts the system error code (ECONNREFUSED, ENOTFOUND, UND_ERR_SOCKET) on `cause`.
  return e?.cause?.code ?? e?.cause?.name ?? e?.name ?? 'unknown error';
}

export async function postJson(opts: PostOptions): Promise<Delivery> {
  const now = opts.now ?? Date.now;
  const secrets = [...(opts.secrets ?? []), ...urlSecrets(opts.url)];
  let response: Response;
  try {
    response = await fetch(opts.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'meshguard', ...opts.headers },
      body: opts.body,
      // A redirect is never followed: it could carry the signed alert (and its secrets) to another host.
      redirect: 'manual',
      signal: AbortSignal.any([opts.signal, AbortSignal.timeout(opts.timeoutMs)]),
    });
  } catch (error) {
    const reason = networkReason(error);
    if (opts.signal.aborted)
      return { code: 'retryable', error: new Error(`${opts.channel}: aborted by shutdown`) };
    const message =
      reason === 'timeout'
        ? `no answer within ${opts.timeoutMs} ms`
        : `network error (${redact(reason, secrets)})`;
    return { code: 'retryable', error: new Error(`${opts.channel}: ${message}`) };
  }
  let excerpt = '';
  try {
    // A short excerpt explains 400s ("invalid_payload", PagerDuty's "errors"); the rest is not needed.
    excerpt = (await response.text()).slice(0, 200).replace(/\s+/g, ' ').trim();
  } catch {
    // The status is what counts; a body cut off mid-way changes nothing.
  }
  const detail =
    response.status >= 300 && response.status < 400
      ? ': redirect not followed (alerts are delivered only to the configured URL)'
      : excerpt
        ? `: ${redact(excerpt, secrets)}`
        : '';
  const error = new Error(`${opts.channel}: HTTP ${response.status}${detail}`);
  return classifyHttpStatus(response.status, response.headers.get('retry-after'), now(), error);
}
