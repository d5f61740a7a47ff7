/**
 * Reject rates per source: every record posted is counted under its channel (endpoint, and whether its
 * callers hold the token) as accepted, ambiguous (a text line whose header values held quotes) or
 * rejected, so the MeshguardSourceRejectingRecords alert can name the channel that turned bad.
 */
import { describe, expect, it } from 'vitest';
import { setup } from './fixtures.js';

const text = (ua: string) =>
  `[2024-05-01T10:00:00.000Z] "GET /api/orders HTTP/1.1" 200 - via_upstream - "-" 0 512 4 3 ` +
  `"-" "${ua}" "r-1" "orders:8080" "10.0.0.9:8080" inbound|8080|| 127.0.0.6:40000 10.0.0.9:8080 ` +
  `10.44.1.23:43210 outbound_.8080_._.orders.shop.svc.cluster.local default`;

async function counts(metrics: ReturnType<typeof setup>['metrics']): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const v of (await metrics.channelRecords.get()).values)
    out[`${v.labels.channel} ${v.labels.outcome}`] = v.value;
  return out;
}

describe('records counted per ingest channel', () => {
  it('a quoted header is scored and counted ambiguous, a bad line rejected, a clean one accepted', async () => {
    const { app, producer, metrics } = setup({ ingest: { token: 't0ken' } });
    const res = await app.inject({
      method: 'POST',
      url: '/ingest/envoy',
      headers: { 'content-type': 'application/x-ndjson', authorization: 'Bearer t0ken' },
      payload: [text('curl/8'), text('x" "-" "-" "evil:80'), 'not a log line'].join('\n'),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ accepted: 2, rejected: 1 });
    // The quoted line was not dropped: it goes on to be scored, on the fields Envoy wrote.
    const produced = producer.on('mesh.access-logs').flatMap((r) => r.events ?? []);
    expect(produced.map((e) => [e.upstreamCluster, e.clientFieldsAmbiguous ?? false])).toEqual([
      ['inbound|8080||', false],
      ['inbound|8080||', true],
    ]);
    expect(await counts(metrics)).toEqual({
      'http:envoy:token accepted': 1,
      'http:envoy:token ambiguous': 1,
      'http:envoy:token rejected': 1,
    });
  });

  it('open ingest is its own channel, and a crafted channel name in a record changes nothing', async () => {
    const { app, metrics } = setup({ http: { host: '127.0.0.1' } });
    await app.inject({
      method: 'POST',
      url: '/ingest/envoy',
      headers: { 'content-type': 'application/x-ndjson' },
      payload: [text('channel="kafka:x"'), '{"channel":"evil","outcome":"accepted"}'].join('\n'),
    });
    expect(await counts(metrics)).toEqual({
      'http:envoy:open accepted': 1,
      'http:envoy:open rejected': 1,
    });
  });
});
