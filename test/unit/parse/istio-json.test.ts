import { describe, expect, it } from 'vitest';
import { defaultParseOptions, type ParseOptions, type WorkloadInfo } from '../../../pipelines/parse/index.js';
import { fixtureLines, parseOne } from './fixtures.js';

const lines = fixtureLines('istio-json.log');
const line = (i: number): string => lines[i - 1]!;

describe('istio-json: Istio default JSON format', () => {
  it('inbound with typed numbers and nulls: caller address, service from the SNI, mTLS', () => {
    const e = parseOne(line(1));
    expect(e).toMatchObject({
      timeMs: Date.parse('2020-11-25T21:26:18.409Z'),
      direction: 'inbound',
      src: 'ip:10.44.1.23',
      srcAddress: '10.44.1.23',
      srcPrincipal: '',
      dst: 'httpbin.foo.svc.cluster.local',
      dstNamespace: 'foo',
      mtls: true,
      status: 418,
      bytesUp: 0,
      bytesDown: 135,
      durationMs: 3,
      responseFlags: '',
      responseCodeDetails: 'via_upstream',
      upstreamCluster: 'inbound|8000||',
    });
  });

  it('outbound at the caller for the same request', () => {
    const e = parseOne(line(2));
    expect(e).toMatchObject({
      direction: 'outbound',
      src: 'ip:10.44.1.23',
      dst: 'httpbin.foo.svc.cluster.local',
      dstNamespace: 'foo',
      egress: false,
      mtls: false,
    });
  });

  it('numbers as strings and "-" for absent read the same as typed values', () => {
    const e = parseOne(line(3));
    expect(e).toMatchObject({
      status: 200,
      bytesUp: 0,
      bytesDown: 547,
      durationMs: 5,
      responseFlags: '',
      direction: 'inbound',
      src: 'ip:172.17.0.6',
      mtls: false,
      // No SNI and a short authority with no known namespace: the authority host as logged.
      dst: 'httpbin',
    });
  });

  it('peer SANs give principals on both ends; the label is carried for evaluation', () => {
    const e = parseOne(line(4));
    expect(e).toMatchObject({
      src: 'spiffe://cluster.local/ns/foo/sa/sleep',
      srcPrincipal: 'spiffe://cluster.local/ns/foo/sa/sleep',
      srcNamespace: 'foo',
      srcServiceAccount: 'sleep',
      srcAddress: '10.44.1.23',
      dstPrincipal: 'spiffe://cluster.local/ns/foo/sa/httpbin',
      dstServiceAccount: 'httpbin',
      mtls: true,
      method: 'POST',
      path: '/post',
      label: 'exfiltration',
    });
  });

  it('byte direction: bytes_received is what the caller uploaded, on the inbound sidecar too', () => {
    const e = parseOne(line(4));
    expect(e.direction).toBe('inbound');
    expect(e.bytesUp).toBe(52000);
    expect(e.bytesDown).toBe(310);
    const out = parseOne(line(5));
    expect(out.direction).toBe('outbound');
    expect(out.bytesUp).toBe(734003);
    expect(out.bytesDown).toBe(120);
  });

  it('HTTP through PassthroughCluster to an unknown host is egress to that host', () => {
    const e = parseOne(line(5));
    expect(e).toMatchObject({
      egress: true,
      externalHost: 'drop.evil.example.net',
      dst: 'drop.evil.example.net',
    });
  });

  it("strips the trailing ';' Istio 1.24 appended to upstream_cluster", () => {
    const e = parseOne(line(6));
    expect(e.upstreamCluster).toBe('outbound|8000||httpbin.foo.svc.cluster.local');
    expect(e.dst).toBe('httpbin.foo.svc.cluster.local');
    expect(e.direction).toBe('outbound');
  });

  it('resolves a plaintext caller through the pod-IP map but keeps its address as the key', () => {
    const podIps = new Map<string, WorkloadInfo>([
      ['10.44.1.23', { namespace: 'foo', workload: 'sleep', serviceAccount: 'sleep' }],
    ]);
    const opts: ParseOptions = { ...defaultParseOptions, podIps };
    const e = parseOne(line(1), opts);
    expect(e.src).toBe('ip:10.44.1.23');
    expect(e.srcPrincipal).toBe('');
    expect(e.srcNamespace).toBe('foo');
    expect(e.srcWorkload).toBe('sleep');
    expect(e.srcServiceAccount).toBe('sleep');
    // With a principal, the principal stays the key and the map only fills the workload.
    const p = parseOne(line(4), opts);
    expect(p.src).toBe('spiffe://cluster.local/ns/foo/sa/sleep');
    expect(p.srcWorkload).toBe('sleep');
  });

  it('ignores unknown keys, including __proto__ and constructor, without touching prototypes', () => {
    const rec = JSON.parse(line(2)) as Record<string, unknown>;
    const hostile = `{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}},${JSON.stringify(rec).slice(1)}`;
    const e = parseOne(hostile);
    expect(e.status).toBe(418);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.getPrototypeOf(e)).toBe(Object.prototype);
  });
});
