/**
 * A small local stand-in for Consul's HTTP API config entries, enough for meshguard's consul sink:
 * `GET /v1/config/<kind>/<name>`, `GET /v1/config/<kind>`, `PUT /v1/config[?cas=N]` and
 * `DELETE /v1/config/<kind>/<name>[?cas=N]`, with CreateIndex/ModifyIndex and Consul's check-and-set
 * semantics (cas=0: only if absent; cas=N: only if ModifyIndex is still N; answers `true` or `false`).
 * It rejects a service-intentions entry with two sources of the same name, as Consul does, can lose
 * races on demand (another writer edits the entry just before a cas write), and records every request.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ConsulEntry {
  Kind: string;
  Name: string;
  Sources?: Array<Record<string, unknown>>;
  Meta?: Record<string, string>;
  CreateIndex?: number;
  ModifyIndex?: number;
  [key: string]: unknown;
}

export class ConsulStandIn {
  readonly entries = new Map<string, ConsulEntry>();
  readonly requests: Array<{ method: string; path: string; query: Record<string, string>; body: unknown }> =
    [];
  /** Before the next cas write, run this (another writer racing meshguard). */
  raceBeforeNextCas?: (entries: Map<string, ConsulEntry>) => void;
  private index = 10;
  private server?: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Put an entry as another tool would (no cas). */
  seed(entry: ConsulEntry): ConsulEntry {
    const stored = { ...structuredClone(entry), CreateIndex: ++this.index, ModifyIndex: this.index };
    this.entries.set(`${entry.Kind}/${entry.Name}`, stored);
    return stored;
  }

  private send(res: ServerResponse, code: number, body: unknown): void {
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const body = text ? (JSON.parse(text) as ConsulEntry) : undefined;
    const query = Object.fromEntries(url.searchParams);
    this.requests.push({ method: req.method ?? '', path: url.pathname, query, body });
    const one = /^\/v1\/config\/([a-z-]+)\/(.+)$/.exec(url.pathname);
    const all = /^\/v1\/config\/([a-z-]+)$/.exec(url.pathname);
    const cas = query.cas === undefined ? undefined : Number(query.cas);
    if (cas !== undefined && this.raceBeforeNextCas) {
      const race = this.raceBeforeNextCas;
      this.raceBeforeNextCas = undefined;
      race(this.entries);
      for (const e of this.entries.values()) e.ModifyIndex = ++this.index;
    }
    if (req.method === 'GET' && one) {
      const e = this.entries.get(`${one[1]}/${decodeURIComponent(one[2]!)}`);
      return e
        ? this.send(res, 200, e)
        : this.send(res, 404, `Config entry not found for "${one[1]}" / "${one[2]}"`);
    }
    if (req.method === 'GET' && all)
      return this.send(
        res,
        200,
        [...this.entries.values()].filter((e) => e.Kind === all[1]),
      );
    if (req.method === 'PUT' && url.pathname === '/v1/config') {
      if (!body?.Kind || !body.Name) return this.send(res, 400, 'Kind and Name are required');
      const names = (body.Sources ?? []).map((s) => `${String(s.Namespace ?? '')}/${String(s.Name)}`);
      if (new Set(names).size !== names.length)
        return this.send(res, 400, 'Duplicate source: each source may appear once');
      for (const k of ['CreateIndex', 'ModifyIndex']) if (k in body) delete body[k];
      const key = `${body.Kind}/${body.Name}`;
      const existing = this.entries.get(key);
      if (cas !== undefined && (cas === 0 ? existing !== undefined : existing?.ModifyIndex !== cas))
        return this.send(res, 200, 'false');
      this.entries.set(key, {
        ...body,
        CreateIndex: existing?.CreateIndex ?? this.index + 1,
        ModifyIndex: ++this.index,
      });
      return this.send(res, 200, 'true');
    }
    if (req.method === 'DELETE' && one) {
      const key = `${one[1]}/${decodeURIComponent(one[2]!)}`;
      const existing = this.entries.get(key);
      if (cas !== undefined && existing?.ModifyIndex !== cas) return this.send(res, 200, 'false');
      this.entries.delete(key);
      return this.send(res, 200, 'true');
    }
    return this.send(res, 405, `${req.method} ${url.pathname} not supported by the stand-in`);
  }
}
