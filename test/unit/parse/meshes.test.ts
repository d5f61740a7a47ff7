/**
 * The other meshes' formats (Linkerd, Consul, ztunnel, Hubble): every real line of the fixtures parses,
 * is detected as its format, and maps onto the fields the detectors read.
 */
import { describe, expect, it } from 'vitest';
import type { InputFormat, MeshEvent, ParseResult } from '../../../pipelines/core/event.js';
import { defaultParseOptions, detectFormat, parseLine } from '../../../pipelines/parse/index.js';
import { fixtureLines, parseAll } from './fixtures.js';

const FIXTURES: Array<[string, InputFormat]> = [
  ['linkerd-json.log', 'linkerd-json'],
  ['linkerd-apache.log', 'linkerd-apache'],
  ['ztunnel.log', 'ztunnel'],
  ['hubble.log', 'hubble-json'],
  ['consul.log', 'consul-json'],
];

function results(line: string, format: InputFormat | 'auto' = 'auto'): ParseResult[] {
  const out: ParseResult[] = [];
  parseLine(line, format, defaultParseOptions, (r) => out.push(r));
  return out;
}
function events(line: string, format: InputFormat | 'auto' = 'auto'): MeshEvent[] {
  return results(line, format).flatMap((r) => (r.ok ? [r.event] : []));
}
function only(line: string): MeshEvent {
  const e = events(line);
  expect(e).toHaveLength(1);
  return e[0]!;
}

describe.each(FIXTURES)('%s', (file, format) => {
  const lines = fixtureLines(file);
  it('every line parses (none rejected), auto-detected and named alike', () => {
    for (const l of lines) {
      const auto = results(l);
      expect(auto.filter((r) => !r.ok)).toEqual([]);
      expect(results(l, format)).toEqual(auto);
    }
  });
  it(`is detected as ${format}`, () => {
    // Consul's denial record (no upstream cluster) is plain Envoy JSON to the detector, and read alike.
    const detected = lines.map((l) => detectFormat(l));
    expect(detected.filter((f) => f !== format && !(format === 'consul-json' && f === 'istio-json'))).toEqual(
      [],
    );
  });
});

describe('linkerd', () => {
  const json = fixtureLines('linkerd-json.log');
  const apache = fixtureLines('linkerd-apache.log');

  it('reads the caller from client.id and the request from an HTTP/2 absolute URI', () => {
    expect(only(json[0]!)).toMatchObject({
      timeMs: Date.parse('2022-08-23T20:33:42.321Z'),
      direction: 'inbound',
      src: 'traffic.booksapp.serviceaccount.identity.linkerd.cluster.local',
      srcPrincipal: 'traffic.booksapp.serviceaccount.identity.linkerd.cluster.local',
      srcNamespace: 'booksapp',
      srcServiceAccount: 'traffic',
      srcAddress: '10.42.0.70',
      // The proxy's socket peer, not a forwarded header: it may name an address-only offender.
      srcAddressDirect: true,
      mtls: true,
      method: 'GET',
      path: '/',
      status: 200,
      bytesDown: 19627,
      durationMs: 14,
      protocol: 'HTTP/2.0',
    });
    expect(only(json[1]!)).toMatchObject({ method: 'POST', path: '/authors', status: 303, bytesUp: 33 });
  });

  it('names the destination from the shipper metadata of the pod that wrote the line', () => {
    expect(only(json[5]!)).toMatchObject({
      dst: 'webapp.booksapp.svc.cluster.local',
      dstNamespace: 'booksapp',
      dstPrincipal: 'webapp.booksapp.serviceaccount.identity.linkerd.cluster.local',
    });
    expect(only(apache[5]!)).toMatchObject({
      dst: 'webapp.booksapp.svc.cluster.local',
      dstNamespace: 'booksapp',
    });
  });

  it('reads CRI and Docker envelopes', () => {
    expect(only(json[6]!).path).toBe('/');
    expect(only(json[7]!).path).toBe('/authors');
    expect(only(apache[6]!).path).toBe('/books');
  });

  it('sets kubelet probes aside, but not a refused request with the kubelet user agent', () => {
    expect(results(json[4]!)).toEqual([]);
    expect(results(apache[4]!)).toEqual([]);
    const forged = json[4]!.replace('"status":200', '"status":403').replace('/ping', '/admin');
    expect(only(forged)).toMatchObject({ src: 'ip:10.42.0.1', mtls: false, status: 403, path: '/admin' });
  });

  it('rejects a client.id that is not a Linkerd identity, naming it', () => {
    const bad = json[0]!.replace('traffic.booksapp.serviceaccount.identity.linkerd.cluster.local', 'admin');
    expect(results(bad)).toEqual([{ ok: false, reason: "client.id: not a Linkerd identity: 'admin'" }]);
  });
});

describe('ztunnel', () => {
  const z = fixtureLines('ztunnel.log');

  it('reads an inbound line: identities from the certificates, bytes as the caller sent and received', () => {
    expect(only(z[0]!)).toMatchObject({
      direction: 'inbound',
      src: 'spiffe://cluster.local/ns/default/sa/sleep',
      srcWorkload: 'sleep',
      srcAddress: '10.244.1.12',
      dst: 'productpage.default.svc.cluster.local',
      dstPrincipal: 'spiffe://cluster.local/ns/default/sa/bookinfo-productpage',
      protocol: 'TCP',
      mtls: true,
      bytesUp: 80,
      bytesDown: 175,
      durationMs: 1,
    });
  });

  it('counts a connection once: the outbound line of an in-mesh connection is the inbound one again', () => {
    expect(results(z[1]!)).toEqual([]);
    expect(results(z[2]!)).toEqual([]);
    // No destination identity (a non-ambient destination): the source's line is the only one.
    expect(only(z[3]!)).toMatchObject({ direction: 'outbound', bytesUp: 67, bytesDown: 490, durationMs: 13 });
  });

  it('a policy rejection is a denial the unauthorized-access detectors count; a refused connection is UF', () => {
    expect(only(z[10]!)).toMatchObject({
      direction: 'inbound',
      src: 'spiffe://cluster.local/ns/kiali/sa/kiali-service-account',
      responseCodeDetails: expect.stringMatching(/^rbac_access_denied.*policy rejection/),
      responseFlags: '',
    });
    expect(only(z[9]!)).toMatchObject({
      direction: 'outbound',
      responseFlags: 'UF',
      dst: 'monitoring-monitoring-kube-prometheus.monitoring.svc.cluster.local',
    });
    expect(only(z[6]!).responseFlags).toBe('UF');
  });

  it('reads LOG_FORMAT=json and Fluent Bit records; the shipper time stands in for a missing one', () => {
    expect(only(z[8]!)).toMatchObject({ direction: 'inbound', bytesUp: 16, bytesDown: 16, durationMs: 1006 });
    expect(only(z[9]!).timeMs).toBe(Date.parse('2025-11-03T09:14:22.101Z'));
    expect(only(z[11]!)).toEqual(only(z[0]!));
  });

  it('egress: the pod and namespace without an identity, to a host outside the mesh', () => {
    const line =
      '2025-01-02T03:04:05.000000Z\tinfo\taccess\tconnection complete\tsrc.addr=10.244.0.7:40461 src.workload="reporter-7d9f8c9b66-x2k7p" src.namespace="shop" dst.addr=203.0.113.9:443 dst.hbone_addr=203.0.113.9:443 direction="outbound" bytes_sent=9000000 bytes_recv=512 duration="2000ms"';
    expect(only(line)).toMatchObject({
      src: 'ip:10.244.0.7',
      srcAddressDirect: true,
      srcNamespace: 'shop',
      srcWorkload: 'reporter',
      egress: true,
      externalHost: '203.0.113.9',
      bytesUp: 9_000_000,
    });
  });

  it('skips the debug "connection opened" line (the complete line counts the connection)', () => {
    const opened =
      '2026-08-19T22:32:58.367972Z\tdebug\taccess\tconnection opened\tsrc.addr=10.244.0.7:40461 src.workload="ztunnel-diag-1787178776283731000-0" src.namespace="ztunnel-diag" dst.addr=172.17.0.3:8443 dst.service="kubernetes.default.svc.cluster.local" dst.workload="kubernetes" dst.namespace="default" direction="outbound"';
    expect(results(opened)).toEqual([]);
  });

  it('rejects lines that are not access records, and bad values, with a reason', () => {
    const dns =
      '2026-08-19T22:32:58.367675Z\tdebug\tdns\tsrc.workload="x" src.namespace="y" query="A" domain="k.svc." result="success"';
    expect(results(dns, 'ztunnel')[0]).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/not an access record/),
    });
    const badBytes = z[0]!.replace('bytes_sent=175', 'bytes_sent=-5');
    expect(results(badBytes)).toEqual([{ ok: false, reason: 'bytes_sent: negative: -5' }]);
    const badQuote = z[0]!.replace('duration="1ms"', 'duration="1ms');
    expect(results(badQuote)[0]).toMatchObject({
      ok: false,
      reason: 'ztunnel: duration: unterminated quoted value',
    });
  });
});

describe('hubble', () => {
  const h = fixtureLines('hubble.log');

  it('a flow dropped by policy is a denial; other drops are not', () => {
    expect(only(h[1]!)).toMatchObject({
      src: 'ip:10.244.1.60',
      srcWorkload: 'xwing',
      dst: 'deathstar.default.svc.cluster.local',
      responseCodeDetails: 'rbac_access_denied_by_cilium: POLICY_DENIED',
      protocol: 'TCP',
    });
    expect(only(h[2]!).responseCodeDetails).toBe('rbac_access_denied_by_cilium: POLICY_DENY');
    expect(only(h[0]!).responseCodeDetails).toBe('cilium_drop: INVALID_SOURCE_IP');
  });

  it('counts a connection by its opening SYN; replies and mid-connection packets are not counted again', () => {
    expect(results(h[3]!)).toEqual([]);
    expect(results(h[4]!)).toEqual([]);
    // Between two pods the flow is counted where it arrives (INGRESS), not where it leaves.
    expect(results(h[6]!)).toEqual([]);
    expect(
      only(h[6]!.replace('"traffic_direction":"EGRESS"', '"traffic_direction":"INGRESS"')),
    ).toMatchObject({
      src: 'spiffe://cluster.local/ns/shop/sa/frontend',
      dst: 'reviews.shop.svc.cluster.local',
      dstPrincipal: 'spiffe://cluster.local/ns/shop/sa/reviews',
      direction: 'inbound',
    });
  });

  it('an HTTP response runs server to client: the caller is its destination', () => {
    expect(only(h[7]!)).toMatchObject({
      src: 'spiffe://cluster.local/ns/shop/sa/frontend',
      dst: 'reviews.shop.svc.cluster.local',
      method: 'GET',
      path: '/admin/users',
      status: 403,
    });
  });

  it('DNS requests carry the query; flows to the world are egress', () => {
    expect(only(h[8]!).dnsQuery).toBe('api.example.com');
    expect(only(h[9]!)).toMatchObject({
      egress: true,
      externalHost: 'api.example.com',
      bytesUp: 0,
      srcAddressDirect: true,
    });
    expect(results(h[10]!)).toEqual([]);
  });

  it('rejects a record that is not a flow, and a flow without a verdict', () => {
    expect(results('{"flow":{"time":"2025-03-01T10:00:00Z"}}')).toEqual([
      { ok: false, reason: 'verdict: missing' },
    ]);
    expect(results('{"something":1}', 'hubble-json')[0]).toMatchObject({ ok: false });
  });
});

describe('consul', () => {
  const c = fixtureLines('consul.log');

  it('inbound (local_app): the caller from its SPIFFE id, the destination from the SNI', () => {
    expect(only(c[0]!)).toMatchObject({
      direction: 'inbound',
      src: 'spiffe://bc3815c2-1a0f-f3ff-a2e9-20d791f08d00.consul/ns/default/dc/dc1/svc/frontend',
      srcNamespace: 'default',
      srcServiceAccount: 'frontend',
      dst: 'web.default.dc1.internal.bc3815c2-1a0f-f3ff-a2e9-20d791f08d00.consul',
      dstNamespace: 'default',
      mtls: true,
      egress: false,
    });
  });

  it('counts a call once (at the destination), but keeps what only the source saw: failures and egress', () => {
    expect(results(c[1]!)).toEqual([]);
    expect(only(c[4]!)).toMatchObject({ direction: 'outbound', responseFlags: 'UF', egress: false });
    expect(only(c[3]!)).toMatchObject({
      egress: true,
      externalHost: '203.0.113.50',
      bytesUp: 48_213_907,
      src: 'ip:10.0.3.17',
      srcNamespace: 'default',
      srcWorkload: 'frontend',
    });
  });

  it('an intention denial is an RBAC 403', () => {
    expect(only(c[2]!)).toMatchObject({ status: 403, srcServiceAccount: 'billing' });
  });
});

describe('detection holds against text a caller controls', () => {
  it('an Istio record whose user agent imitates other formats stays istio-json', () => {
    const ua = '\\"src.addr\\":1, \\"client.addr\\":1, \\"verdict\\":1, info access x';
    const line = `{"start_time":"2024-01-01T00:00:00.000Z","method":"GET","path":"/x","response_code":200,"user_agent":"${ua}","upstream_cluster":"inbound|8080||","downstream_remote_address":"10.0.0.1:5555"}`;
    expect(detectFormat(line)).toBe('istio-json');
    expect(parseAll(line)).toHaveLength(1);
    expect(parseAll(line)[0]!.ok).toBe(true);
  });
});
