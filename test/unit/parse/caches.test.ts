/**
 * The parser caches what it derives from repeating strings (cluster names, SPIFFE ids, principals). A
 * cache must never change an answer: options apply per call, and a flood of distinct values stays bounded.
 */
import { describe, expect, it } from 'vitest';
import { Memo } from '../../../pipelines/parse/memo.js';
import { defaultParseOptions, type ParseOptions } from '../../../pipelines/parse/index.js';
import { parseOne } from './fixtures.js';

const outbound = (ns: string, sa: string, host: string): string =>
  JSON.stringify({
    start_time: '2026-11-02T08:00:00.000Z',
    method: 'GET',
    path: '/x',
    response_code: 200,
    upstream_cluster: `outbound|443||${host}`,
    authority: host,
    downstream_remote_address: '10.0.0.9:40000',
    kubernetes: { namespace_name: ns, pod_name: `${sa}-7d9f8b6c5d-abcde`, service_account: sa },
  });

describe('parser caches', () => {
  it('options apply per call: the same line under two trust domains gives two principals', () => {
    const other: ParseOptions = { ...defaultParseOptions, trustDomain: 'prod.example' };
    const line = outbound('shop', 'frontend', 'reviews.shop.svc.cluster.local');
    expect(parseOne(line).src).toBe('spiffe://cluster.local/ns/shop/sa/frontend');
    expect(parseOne(line, other).src).toBe('spiffe://prod.example/ns/shop/sa/frontend');
    expect(parseOne(line).src).toBe('spiffe://cluster.local/ns/shop/sa/frontend');
  });

  it('options apply per call: a mesh host added in one options object does not leak into another', () => {
    const withMesh: ParseOptions = { ...defaultParseOptions, meshHosts: ['corp.internal'] };
    const line = outbound('shop', 'frontend', 'billing.corp.internal');
    expect(parseOne(line, withMesh).egress).toBe(false);
    expect(parseOne(line).egress).toBe(true);
    expect(parseOne(line).externalHost).toBe('billing.corp.internal');
    expect(parseOne(line, withMesh).egress).toBe(false);
  });

  it('thousands of distinct workloads each keep their own identity', () => {
    for (let i = 0; i < 10_000; i++) {
      const e = parseOne(outbound(`ns${i % 7}`, `sa${i}`, `svc${i}.ns${i % 7}.svc.cluster.local`));
      expect(e.src).toBe(`spiffe://cluster.local/ns/ns${i % 7}/sa/sa${i}`);
      expect(e.dst).toBe(`svc${i}.ns${i % 7}.svc.cluster.local`);
      expect(e.dstNamespace).toBe(`ns${i % 7}`);
    }
  });

  it('a memo never holds more than its bound', () => {
    const m = new Memo<number>(100);
    for (let i = 0; i < 1000; i++) m.set(`k${i}`, i);
    expect(m.size).toBeLessThanOrEqual(100);
    expect(m.get('k999')).toBe(999);
  });
});
