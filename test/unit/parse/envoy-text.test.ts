import { describe, expect, it } from 'vitest';
import { emptyEvent } from '../../../pipelines/core/event.js';
import { fixtureLines, parseOne, reasonOf } from './fixtures.js';

const lines = fixtureLines('envoy-text.log');
const line = (i: number): string => lines[i - 1]!;

describe('envoy-text: Istio text default', () => {
  it('outbound at the caller: direction, destination service, caller address, counters', () => {
    const e = parseOne(line(1));
    expect(e).toMatchObject({
      timeMs: Date.parse('2020-11-25T21:26:18.409Z'),
      direction: 'outbound',
      src: 'ip:10.44.1.23',
      srcAddress: '10.44.1.23',
      dst: 'httpbin.foo.svc.cluster.local',
      dstNamespace: 'foo',
      egress: false,
      externalHost: '',
      mtls: false,
      method: 'GET',
      path: '/status/418',
      protocol: 'HTTP/1.1',
      status: 418,
      responseFlags: '',
      responseCodeDetails: 'via_upstream',
      bytesUp: 0,
      bytesDown: 135,
      durationMs: 4,
      userAgent: 'curl/7.73.0-DEV',
      requestId: '84961386-6d84-929d-98bd-c5aee93b5c88',
      authority: 'httpbin:8000',
      upstreamCluster: 'outbound|8000||httpbin.foo.svc.cluster.local',
    });
  });

  it('inbound at the destination: caller from downstream_remote_address, service from the mTLS SNI', () => {
    const e = parseOne(line(2));
    expect(e.direction).toBe('inbound');
    expect(e.src).toBe('ip:10.44.1.23');
    expect(e.srcPrincipal).toBe('');
    expect(e.dst).toBe('httpbin.foo.svc.cluster.local');
    expect(e.dstNamespace).toBe('foo');
    // Istio's client sends outbound_.<port>_.<subset>_.<host> only over its mTLS.
    expect(e.mtls).toBe(true);
    expect(e.durationMs).toBe(3);
  });

  it('events have exactly the MeshEvent shape, in the same key order as emptyEvent()', () => {
    expect(Object.keys(parseOne(line(1)))).toEqual(Object.keys(emptyEvent()));
  });

  it('drops the query string from the path and keeps 503 UC', () => {
    const e = parseOne(line(3));
    expect(e.path).toBe('/api/orders');
    expect(e.status).toBe(503);
    expect(e.responseFlags).toBe('UC');
    expect(e.bytesUp).toBe(156);
    expect(e.bytesDown).toBe(91);
    expect(e.durationMs).toBe(30004);
  });

  it('TCP "- - -" through PassthroughCluster (Istio 1.6 layout): egress to the upstream IP', () => {
    const e = parseOne(line(4));
    expect(e.method).toBe('');
    expect(e.path).toBe('');
    expect(e.protocol).toBe('');
    expect(e.status).toBe(0);
    expect(e.direction).toBe('outbound');
    expect(e.egress).toBe(true);
    expect(e.externalHost).toBe('1.2.3.4');
    expect(e.dst).toBe('1.2.3.4');
    expect(e.src).toBe('ip:10.0.0.93');
    // TCP: bytes_received is what the pod sent out, bytes_sent what came back.
    expect(e.bytesUp).toBe(2279);
    expect(e.bytesDown).toBe(3059);
  });

  it('TCP in the current layout parses to the same event as the 1.6 layout', () => {
    const old = parseOne(line(4));
    const now = parseOne(line(5));
    expect({ ...now, timeMs: 0 }).toEqual({ ...old, timeMs: 0 });
  });

  it('TLS egress to a ServiceEntry host: outbound|443||api.example.com', () => {
    const e = parseOne(line(6));
    expect(e).toMatchObject({
      direction: 'outbound',
      egress: true,
      externalHost: 'api.example.com',
      dst: 'api.example.com',
      src: 'ip:10.244.1.12',
      bytesUp: 812,
      bytesDown: 45210,
    });
  });

  it("Envoy's own default format (11 fields after the request line)", () => {
    const e = parseOne(line(7));
    expect(e).toMatchObject({
      timeMs: Date.parse('2016-04-15T20:17:00.310Z'),
      method: 'POST',
      path: '/api/v1/locations',
      protocol: 'HTTP/2',
      status: 204,
      bytesUp: 154,
      bytesDown: 0,
      durationMs: 226,
      userAgent: 'nsq2http',
      authority: 'locations',
      upstreamCluster: '',
      direction: 'unknown',
      dst: 'locations',
    });
  });

  it('an AuthorizationPolicy denial on a plaintext caller: 403 with the matched policy, no mTLS', () => {
    const e = parseOne(line(8));
    expect(e.status).toBe(403);
    expect(e.responseCodeDetails).toBe(
      'rbac_access_denied_matched_policy[ns[shop]-policy[meshguard-quarantine]-rule[0]]',
    );
    expect(e.mtls).toBe(false);
    expect(e.src).toBe('ip:10.244.9.77');
    // No SNI, no cluster host: the short authority (service.namespace) is completed to the service's
    // canonical name, so callers using short and long forms land on one edge.
    expect(e.dst).toBe('payments.shop.svc.cluster.local');
  });

  it('a TCP denial: the RBAC policy from connection_termination_details lands in responseCodeDetails', () => {
    const tcp = line(5).replace(
      '"- - -" 0 - - -',
      '"- - -" 0 - - rbac_access_denied_matched_policy[ns[shop]-policy[deny-exfil]-rule[0]]',
    );
    expect(parseOne(tcp).responseCodeDetails).toBe(
      'rbac_access_denied_matched_policy[ns[shop]-policy[deny-exfil]-rule[0]]',
    );
    expect(parseOne(line(5)).responseCodeDetails).toBe('');
  });

  it('tolerates the trailing newline Envoy writes and a User-Agent containing quotes', () => {
    const ua = line(1).replace('"curl/7.73.0-DEV"', '"Mozilla/5.0 ("compatible") x"');
    expect(parseOne(`${ua}\n`).userAgent).toBe('Mozilla/5.0 ("compatible") x');
    expect(parseOne(`${line(1)}\r\n`).status).toBe(418);
  });

  it('rejects lines that fit neither format, naming the problem', () => {
    expect(reasonOf('[2020-11-25T21:26:18.409Z] "GET / HTTP/1.1" 200 - 0 1')).toMatch(
      /^envoy-text: 6 fields, expected 13 .*or 22/,
    );
    expect(reasonOf('[2020-11-25T21:26:18.409Z "GET / HTTP/1.1"')).toBe(
      'envoy-text: unterminated "[START_TIME]"',
    );
    expect(reasonOf('[2020-11-25T21:26:18.409Z] GET / HTTP/1.1 200')).toMatch(
      /expected "\\"METHOD PATH PROTOCOL/,
    );
    expect(reasonOf('[2020-11-25T21:26:18.409Z] "GET" 200')).toBe(
      'envoy-text: request line is not "METHOD PATH PROTOCOL"',
    );
    expect(reasonOf(line(1).replace(' 0 135 4 4 ', ' 0 13x5 4 4 '))).toBe("bytes_sent: not a number: '13x5'");
    expect(reasonOf(line(1).replace('[2020-11-25T21:26:18.409Z]', '[yesterday]'))).toBe(
      "start_time: not an ISO-8601 time: 'yesterday'",
    );
  });
});
