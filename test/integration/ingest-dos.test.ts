/**
 * Ingest under denial-of-service attempts, over real HTTP on a real socket: compression bombs, slow bodies,
 * idle and surplus connections, line bombs. Each attack is refused early and the process keeps answering.
 */
import { connect, type Socket } from 'node:net';
import { request } from 'node:http';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { accessLog, setup } from '../unit/ingest/fixtures.js';

type App = ReturnType<typeof setup>['app'];
let open: App | undefined;

async function listen(
  raw: Record<string, unknown>,
): Promise<{ app: App; port: number; producer: ReturnType<typeof setup>['producer'] }> {
  const { app, producer } = setup({ http: { host: '127.0.0.1', port: 0 }, ...raw });
  await app.listen({ host: '127.0.0.1', port: 0 });
  open = app;
  const address = app.server.address();
  return { app, producer, port: typeof address === 'object' && address ? address.port : 0 };
}

afterEach(async () => {
  await open?.close();
  open = undefined;
});

interface Answer {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

function post(
  port: number,
  path: string,
  headers: Record<string, string>,
  body: Buffer | string,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function get(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    })
      .on('error', reject)
      .end();
  });
}

/** A raw socket; resolves with everything it received once the server closes it. */
function rawSocket(port: number): { socket: Socket; closed: Promise<string> } {
  const socket = connect(port, '127.0.0.1');
  let received = '';
  socket.setEncoding('utf8');
  socket.on('data', (c: string) => (received += c));
  const closed = new Promise<string>((resolve) => {
    socket.on('close', () => resolve(received));
    socket.on('error', () => undefined);
  });
  return { socket, closed };
}

const NDJSON = { 'content-type': 'application/x-ndjson' };

describe('ingest over real HTTP under attack', () => {
  it('a gzip bomb is cut off at the body limit while it inflates (413), and the server answers on', async () => {
    const { port, producer } = await listen({ ingest: { body_limit_bytes: 64 * 1024 } });
    // 100 MiB of zeros: ~100 KiB compressed, within the wire limit; it may never inflate past 64 KiB.
    const bomb = gzipSync(Buffer.alloc(100 * 1024 * 1024));
    const answer = await post(
      port,
      '/ingest/envoy',
      { ...NDJSON, 'content-encoding': 'gzip' },
      bomb.subarray(0, 60 * 1024),
    );
    expect(answer.status).toBe(413);
    expect(answer.body).toMatch(/expands beyond the limit of 65536 bytes/);
    // A gzip body inflated within the limit still goes through.
    const ok = await post(
      port,
      '/ingest/envoy',
      { ...NDJSON, 'content-encoding': 'gzip' },
      gzipSync(accessLog()),
    );
    expect(ok.status).toBe(200);
    expect(producer.on('mesh.access-logs')).toHaveLength(1);
  });

  it('a body over the limit on the wire is refused from its Content-Length, before it is read', async () => {
    const { port } = await listen({ ingest: { body_limit_bytes: 4096 } });
    const { socket, closed } = rawSocket(port);
    socket.write(
      'POST /ingest/envoy HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\nContent-Length: 100000000\r\n\r\n',
    );
    expect(await closed).toMatch(/^HTTP\/1\.1 413/);
  });

  it('a slow body is answered 408 once ingest.body_timeout_ms passes, and its connection closed', async () => {
    const { port } = await listen({ ingest: { body_timeout_ms: 300 } });
    const { socket, closed } = rawSocket(port);
    socket.write(
      'POST /ingest/envoy HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\nContent-Length: 5000\r\n\r\n{"start',
    );
    // One byte more now and then keeps the socket from idling out; the body deadline still ends it.
    const drip = setInterval(() => socket.write('_'), 50);
    const received = await closed;
    clearInterval(drip);
    expect(received).toMatch(/^HTTP\/1\.1 408/);
    expect(received).toMatch(/did not arrive within 300 ms/);
  });

  it('a connection that sends nothing is closed after http.idle_timeout_ms', async () => {
    const { port } = await listen({ http: { host: '127.0.0.1', port: 0, idle_timeout_ms: 200 } });
    const { closed } = rawSocket(port);
    await expect(closed).resolves.toBe('');
  });

  it('connections past http.max_connections are closed on arrival; the held ones still work', async () => {
    const { port } = await listen({ http: { host: '127.0.0.1', port: 0, max_connections: 3 } });
    const held = [rawSocket(port), rawSocket(port), rawSocket(port)];
    await Promise.all(held.map(({ socket }) => new Promise((r) => socket.once('connect', r))));
    // Let the server accept the three before the fourth arrives.
    await new Promise((r) => setImmediate(r));
    const surplus = rawSocket(port);
    expect(await surplus.closed).toBe('');
    held[0]!.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(await held[0]!.closed).toMatch(/^HTTP\/1\.1 200/);
    for (const { socket } of held) socket.destroy();
  });

  it('a body with more records than ingest.max_records_per_request is refused before any is parsed', async () => {
    const { port, producer } = await listen({ ingest: { max_records_per_request: 100 } });
    const answer = await post(port, '/ingest/envoy', NDJSON, `${accessLog()}\n`.repeat(101));
    expect(answer.status).toBe(413);
    expect(answer.body).toMatch(/101 records, more than ingest\.max_records_per_request \(100\)/);
    expect(producer.sent).toHaveLength(0);
  });

  it('a 500 KB single-line record is set aside unparsed; the valid records beside it go on', async () => {
    const { port, producer } = await listen({});
    const bomb = `[2024-05-01T10:00:00.000Z] "GET /${'a" "'.repeat(125_000)} HTTP/1.1" 200`;
    const answer = await post(
      port,
      '/ingest/envoy',
      NDJSON,
      [accessLog(), bomb, accessLog({ request_id: 'r-2' })].join('\n'),
    );
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ accepted: 2, rejected: 1 });
    expect(JSON.parse(answer.body).errors[0].reason).toMatch(/longer than ingest\.max_record_bytes/);
    expect(producer.on('mesh.access-logs')).toHaveLength(2);
  });

  it('a body of Envoy text lines (each starting with "[") is read as lines, not refused as a JSON array', async () => {
    const { port, producer } = await listen({ ingest: { token: 't' } });
    const line =
      '[2024-05-01T10:00:00.000Z] "GET /api/orders HTTP/1.1" 200 - via_upstream - "-" 0 512 4 3 "-" "curl/8" "r-1" "orders:8080" "10.0.0.9:8080" inbound|8080|| 127.0.0.6:40000 10.0.0.9:8080 10.0.0.5:43210 - default';
    const answer = await post(
      port,
      '/ingest/envoy',
      { 'content-type': 'text/plain', authorization: 'Bearer t' },
      `${line}\n${line}\n`,
    );
    expect(answer.status).toBe(200);
    expect(producer.on('mesh.access-logs')).toHaveLength(2);
  });

  it('/healthz answers while concurrent 500 KB line bombs are validated', async () => {
    const { port } = await listen({});
    // ~500 KB each of short hostile text lines, every one of which the parser must look at.
    const line = `[2024-05-01T10:00:00.000Z] "GET /x HTTP/1.1" 200 - "-" "a\\" \\"b" 1 2 3 - "-" "-" "-" "-" "-"`;
    const body = `${line}\n`.repeat(Math.ceil(500_000 / (line.length + 1)));
    let bombsDone = false;
    const bombs = Promise.all(
      Array.from({ length: 8 }, () => post(port, '/ingest/envoy', NDJSON, body).then((a) => a.status)),
    ).finally(() => (bombsDone = true));
    // Probes asked one after the other while the bombs are validated: validation yields to the event loop
    // every few hundred records, so several are answered before the last bomb is (a loop blocked for
    // whole bodies would answer one at most).
    let answered = 0;
    while (!bombsDone) {
      expect(await get(port, '/healthz')).toBe(200);
      if (!bombsDone) answered++;
    }
    for (const status of await bombs) expect(status).toBe(400);
    expect(answered).toBeGreaterThanOrEqual(3);
  });
});
