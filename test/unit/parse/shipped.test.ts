import { describe, expect, it } from 'vitest';
import { fixtureLines, parseOne, reasonOf } from './fixtures.js';

const lines = fixtureLines('shipped.log');
const line = (i: number): string => lines[i - 1]!;

describe('records wrapped by log shippers', () => {
  it('Fluent Bit: Istio JSON string in `log`, kubernetes metadata names the source workload', () => {
    const e = parseOne(line(1));
    expect(e).toMatchObject({
      direction: 'outbound',
      // No service account in Fluent Bit's default metadata: no principal, the pod address is the key.
      src: 'ip:10.44.1.23',
      srcPrincipal: '',
      srcNamespace: 'foo',
      srcWorkload: 'sleep',
      dst: 'httpbin.foo.svc.cluster.local',
      status: 418,
    });
  });

  it('Fluent Bit: Istio text line in `log`; a service account yields the source principal', () => {
    const e = parseOne(line(2));
    expect(e).toMatchObject({
      direction: 'outbound',
      src: 'spiffe://cluster.local/ns/foo/sa/sleep',
      srcPrincipal: 'spiffe://cluster.local/ns/foo/sa/sleep',
      srcNamespace: 'foo',
      srcServiceAccount: 'sleep',
      srcWorkload: 'sleep',
      srcAddress: '10.44.1.23',
      dst: 'httpbin.foo.svc.cluster.local',
      bytesDown: 135,
    });
  });

  it('the principal uses the configured trust domain', () => {
    const e = parseOne(line(2), {
      clusterDomain: 'cluster.local',
      trustDomain: 'prod.example.org',
      meshHosts: [],
    });
    expect(e.src).toBe('spiffe://prod.example.org/ns/foo/sa/sleep');
  });

  it('Fluent Bit Merge_Log: top-level Envoy keys; metadata names the destination of an inbound line', () => {
    const e = parseOne(line(3));
    expect(e).toMatchObject({
      direction: 'inbound',
      src: 'ip:10.44.1.23',
      dst: 'httpbin.foo.svc.cluster.local',
      dstNamespace: 'foo',
      dstServiceAccount: 'httpbin',
      dstPrincipal: 'spiffe://cluster.local/ns/foo/sa/httpbin',
    });
  });

  it("a plaintext inbound line: the short authority is qualified with the logging pod's namespace", () => {
    const rec = JSON.parse(line(3)) as Record<string, unknown>;
    rec['requested_server_name'] = null;
    const e = parseOne(JSON.stringify(rec));
    expect(e.mtls).toBe(false);
    expect(e.dst).toBe('httpbin.foo.svc.cluster.local');
  });

  it('Vector kubernetes_logs: JSON in `message`, pod_namespace / pod_labels / pod_ip', () => {
    const e = parseOne(line(4));
    expect(e).toMatchObject({
      direction: 'outbound',
      src: 'ip:10.44.1.23',
      srcNamespace: 'foo',
      srcWorkload: 'sleep',
      srcAddress: '10.44.1.23',
    });
  });

  it('derives the workload from a Deployment pod name when no label names it', () => {
    const rec = JSON.parse(line(1)) as { kubernetes: Record<string, unknown> };
    rec.kubernetes = { pod_name: 'reviews-v2-5b4d7c9f8d-qxz2m', namespace_name: 'bookinfo' };
    expect(parseOne(JSON.stringify(rec)).srcWorkload).toBe('reviews-v2');
    rec.kubernetes = { pod_name: 'postgres-0', namespace_name: 'db' };
    expect(parseOne(JSON.stringify(rec)).srcWorkload).toBe('postgres-0');
  });

  it('rejects wrapped lines that are not access logs, naming the field', () => {
    const rec = JSON.parse(line(1)) as Record<string, unknown>;
    rec['log'] = '2024-03-05T10:00:00.000Z\tinfo\txdsproxy\tconnected to upstream XDS server';
    expect(reasonOf(JSON.stringify(rec))).toMatch(/^log: not an Envoy access-log line: '2024-03-05/);
    rec['log'] = '{"start_time": ';
    expect(reasonOf(JSON.stringify(rec))).toMatch(/^log: not JSON: /);
    rec['log'] = 42;
    expect(reasonOf(JSON.stringify(rec))).toBe('log: not a string: 42');
  });
});
