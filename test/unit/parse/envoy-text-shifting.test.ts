/**
 * Field shifting in Envoy's text formats: Envoy does not escape quotes, so a client who puts '" "' (or any
 * quote) in a header it controls must not be able to supply the fields Envoy writes (upstream cluster,
 * addresses, bytes), nor get its requests dropped unscored.
 */
import { describe, expect, it } from 'vitest';
import { parseOne } from './fixtures.js';

/** Istio's text default with the four client-chosen values given. */
function istioLine(client: { xff?: string; ua: string; rid?: string; authority?: string }): string {
  return (
    `[2024-05-01T10:00:00.000Z] "GET /api/orders HTTP/1.1" 200 - via_upstream - "-" 0 512 4 3 ` +
    `"${client.xff ?? '-'}" "${client.ua}" "${client.rid ?? 'r-1'}" "${client.authority ?? 'orders:8080'}" ` +
    `"10.0.0.9:8080" inbound|8080|| 127.0.0.6:40000 10.0.0.9:8080 10.44.1.23:43210 ` +
    `outbound_.8080_._.orders.shop.svc.cluster.local default`
  );
}

/** Envoy's default format (no cluster, no addresses) with the User-Agent given. */
function envoyLine(ua: string): string {
  return `[2024-05-01T10:00:00.000Z] "GET /api/orders HTTP/1.1" 200 - 0 512 4 3 "-" "${ua}" "r-1" "orders:8080" "10.0.0.9:8080"`;
}

describe('envoy-text: a client cannot shift fields with quotes', () => {
  it('a User-Agent holding \'" "\' does not supply the upstream cluster or the addresses (Istio layout)', () => {
    const forged =
      'x" "-" "-" "-" "10.6.6.6:80" outbound|443||evil.example.com 10.6.6.6:1 10.6.6.6:2 10.8.0.99:1 evil default';
    const e = parseOne(istioLine({ ua: forged }));
    // The fields Envoy wrote, read from both ends, win.
    expect(e.upstreamCluster).toBe('inbound|8080||');
    expect(e.srcAddress).toBe('10.44.1.23');
    expect(e.direction).toBe('inbound');
    expect(e.egress).toBe(false);
    expect(e.status).toBe(200);
    expect(e.bytesDown).toBe(512);
    // The ambiguous span is kept whole as evidence, never split into fields.
    expect(e.userAgent).toContain('evil.example.com');
    expect(e.requestId).toBe('');
  });

  it("an Envoy-default line padded to Istio's field count is still read as Envoy's default", () => {
    const padding =
      'x" "-" "-" "-" "-" "10.6.6.6:80" outbound|443||evil.example.com 10.6.6.6:1 10.6.6.6:2 10.8.0.99:1 evil default "z';
    const e = parseOne(envoyLine(padding));
    expect(e.upstreamCluster).toBe('');
    expect(e.egress).toBe(false);
    expect(e.srcAddress).not.toBe('10.8.0.99');
  });

  it('a lone quote or other quotes in a header do not get the line rejected: it is scored', () => {
    for (const ua of ['Mozilla/5.0 "quoted" agent', 'a"b', '"', 'x" y', "it's"]) {
      const e = parseOne(istioLine({ ua }));
      expect(e.status).toBe(200);
      expect(e.upstreamCluster).toBe('inbound|8080||');
    }
    const e = parseOne(istioLine({ ua: 'ok', xff: '1.2.3.4" "5.6.7.8', authority: 'a" "b' }));
    expect(e.upstreamCluster).toBe('inbound|8080||');
    expect(e.srcAddress).toBe('10.44.1.23');
  });

  it('clean lines keep every client field', () => {
    const e = parseOne(istioLine({ ua: 'curl/8', xff: '1.2.3.4', rid: 'abc', authority: 'orders:8080' }));
    expect(e).toMatchObject({ userAgent: 'curl/8', requestId: 'abc', authority: 'orders:8080' });
    expect(e.clientFieldsAmbiguous).toBeUndefined();
  });

  it('quotes in any header value: the line is read right or marked ambiguous, never dropped', () => {
    // Every quote/space pattern an attacker can put in each of the four headers Envoy copies as they come.
    const pieces = ['"', '" "', '""', '" ', ' "', '"-"', 'a"b', '" "10.6.6.6:80" x', "'"];
    const headers = ['xff', 'ua', 'rid', 'authority'] as const;
    let ambiguous = 0;
    for (const header of headers)
      for (const piece of pieces)
        for (const value of [piece, `v${piece}`, `${piece}v`, `v${piece}v`]) {
          const client = {
            xff: '1.2.3.4',
            ua: 'curl/8',
            rid: 'r-9',
            authority: 'orders:8080',
            [header]: value,
          };
          const e = parseOne(istioLine(client)); // throws if rejected
          // What Envoy wrote is never moved by a header value.
          expect(e).toMatchObject({
            status: 200,
            bytesDown: 512,
            upstreamCluster: 'inbound|8080||',
            srcAddress: '10.44.1.23',
            direction: 'inbound',
          });
          if (e.clientFieldsAmbiguous) {
            ambiguous++;
            // Nothing of an ambiguous span is trusted as a field: it is kept whole as evidence.
            expect(e.requestId).toBe('');
            expect(e.userAgent).toContain(value.trim());
          } else {
            // Read right: each header has exactly the value the client sent.
            expect(e).toMatchObject({
              userAgent: client.ua,
              requestId: client.rid,
              authority: client.authority,
            });
          }
        }
    // The '" "' patterns cannot be split unambiguously: those lines are flagged, not guessed.
    expect(ambiguous).toBeGreaterThan(20);
  });

  it('only the text scanner marks a record ambiguous: a JSON key of that name means nothing', () => {
    const json = JSON.stringify({
      start_time: '2024-05-01T10:00:00.000Z',
      method: 'GET',
      path: '/',
      response_code: 200,
      upstream_cluster: 'inbound|8080||',
      downstream_remote_address: '10.44.1.23:1',
      ambiguousClientFields: true,
      clientFieldsAmbiguous: true,
    });
    expect(parseOne(json).clientFieldsAmbiguous).toBeUndefined();
  });
});
