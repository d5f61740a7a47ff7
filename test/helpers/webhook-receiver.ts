/**
 * A local HTTP server standing in for webhook, Slack, PagerDuty and Alertmanager endpoints (and for
 * Alertmanager's own webhook receiver). It records every request with its raw body and answers from a
 * script: a queue of responses (status, headers, body, or a delay that outlasts the client's timeout),
 * then the default answer.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** Raw body, exactly as received (signatures are computed over it). */
  body: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
  receivedAt: number;
}

export interface ScriptedResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** Hold the answer this long (longer than the client's timeout simulates a hung server). */
  delayMs?: number;
}

export interface WebhookReceiver {
  /** Base URL, e.g. http://127.0.0.1:40123 (no trailing slash). */
  readonly url: string;
  readonly port: number;
  readonly requests: ReceivedRequest[];
  /** Queue answers for the next requests, in order; afterwards the default answer applies. */
  respondWith(...responses: ScriptedResponse[]): void;
  /** Wait until at least `count` requests matching `filter` arrived; returns them. */
  waitFor(
    count: number,
    opts?: { timeoutMs?: number; filter?: (r: ReceivedRequest) => boolean },
  ): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(
  defaultResponse: ScriptedResponse = { status: 200, body: 'ok' },
): Promise<WebhookReceiver> {
  const requests: ReceivedRequest[] = [];
  const script: ScriptedResponse[] = [];
  const listeners = new Set<() => void>();
  const pendingTimers = new Set<NodeJS.Timeout>();

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body,
        json,
        receivedAt: Date.now(),
      });
      for (const l of listeners) l();
      const answer = script.shift() ?? defaultResponse;
      const send = (): void => {
        if (res.destroyed) return;
        res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
        res.end(answer.body ?? '');
      };
      if (answer.delayMs) {
        const t = setTimeout(() => {
          pendingTimers.delete(t);
          send();
        }, answer.delayMs);
        pendingTimers.add(t);
      } else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    respondWith: (...responses) => void script.push(...responses),
    waitFor(count, opts = {}) {
      const { timeoutMs = 10_000, filter = () => true } = opts;
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          const matching = requests.filter(filter);
          if (matching.length < count) return false;
          listeners.delete(listener);
          clearTimeout(timer);
          resolve(matching);
          return true;
        };
        const listener = (): void => void check();
        const timer = setTimeout(() => {
          listeners.delete(listener);
          reject(
            new Error(
              `expected ${count} matching requests within ${timeoutMs} ms, got ${requests.filter(filter).length}`,
            ),
          );
        }, timeoutMs);
        listeners.add(listener);
        check();
      });
    },
    async close() {
      for (const t of pendingTimers) clearTimeout(t);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
