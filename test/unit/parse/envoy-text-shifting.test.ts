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
  });
});
