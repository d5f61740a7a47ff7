/** Alert delivery never follows a redirect: a receiver cannot forward a signed alert to a host of its choosing. */
import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { postJson } from '../../../pipelines/responders/alerts/http.js';

const servers: Server[] = [];
async function serve(handler: Parameters<typeof createServer>[1]): Promise<number> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  return typeof address === 'object' && address ? address.port : 0;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

describe('alert delivery and redirects', () => {
  it('a 307 to another host is a permanent failure; the other host receives nothing', async () => {
    let stolen = 0;
    const thief = await serve((req, res) => {
      stolen++;
      req.resume();
      res.end('ok');
    });
    const hook = await serve((req, res) => {
      req.resume();
      res.writeHead(307, { location: `http://127.0.0.1:${thief}/steal` }).end();
    });
    const delivery = await postJson({
      channel: 'webhook',
      url: `http://127.0.0.1:${hook}/hook`,
      body: '{"alert":1}',
      headers: { 'webhook-signature': 'v1,secret-signature' },
      timeoutMs: 2000,
      signal: new AbortController().signal,
    });
    expect(delivery.code).toBe('permanent');
    expect(delivery.code !== 'ok' && delivery.error.message).toMatch(/redirect not followed/);
    expect(stolen).toBe(0);
  });
});
