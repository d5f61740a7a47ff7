import { describe, expect, it } from 'vitest';
import { MetricSeriesScorer, sourceEntity, type MetricSample } from '../../../pipelines/metrics/index.js';

const STEP_S = 30;
const T0 = Date.UTC(2024, 2, 4);

/** A Linkerd proxy's outbound write counter: ~1 MB/s, from `burstAt` on 40 MB/s (an upload). */
function linkerdEgress(n: number, burstAt: number): MetricSample[] {
  const labels = {
    direction: 'outbound',
    namespace: 'shop',
    deployment: 'reports',
    pod: 'reports-7d9f8c9b66-x2k7p',
    dst_namespace: '',
    tls: 'no_identity',
    peer: 'dst',
  };
  let total = 0;
  const out: MetricSample[] = [];
  for (let i = 0; i < n; i++) {
    total += (i >= burstAt ? 40e6 : 1e6 * (1 + 0.1 * Math.sin(i))) * STEP_S;
    out.push({ name: 'tcp_write_bytes_total', labels, timeMs: T0 + i * STEP_S * 1000, value: total });
  }
  return out;
}

describe('Linkerd and Consul proxy metrics are scored per source', () => {
  it('Linkerd inbound series name the caller by client_id; outbound ones the proxy own workload', () => {
    expect(
      sourceEntity({
        direction: 'inbound',
        client_id: 'web.shop.serviceaccount.identity.linkerd.cluster.local',
        tls: 'true',
        namespace: 'shop',
        deployment: 'orders',
      }),
    ).toBe('web.shop.serviceaccount.identity.linkerd.cluster.local');
    // Without mTLS the caller is unknown: the series is left to its destination.
    expect(
      sourceEntity({ direction: 'inbound', tls: 'no_identity', namespace: 'shop', deployment: 'orders' }),
    ).toBe(undefined);
    expect(
      sourceEntity({ direction: 'outbound', namespace: 'shop', deployment: 'web', dst_deployment: 'orders' }),
    ).toBe('shop/web');
    expect(sourceEntity({ direction: 'outbound', namespace: 'shop', pod: 'web-5c7d9f8b4d-k2m4n' })).toBe(
      'shop/web',
    );
  });

  it("Consul's Envoy metrics name the source service from Consul's tags", () => {
    expect(
      sourceEntity({
        consul_source_service: 'a',
        consul_source_namespace: 'default',
        consul_destination_service: 'b',
        envoy_cluster_name: 'b',
      }),
    ).toBe('default/a');
  });

  it('an outbound byte surge of one Linkerd workload becomes a finding about that workload', () => {
    const findings = new MetricSeriesScorer().pushAll(linkerdEgress(600, 500));
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ kind: 'anomaly', entity: 'shop/reports' });
    expect(findings[0]!.evidence.metric).toBe('tcp_write_bytes_total:rate');
  });
});
