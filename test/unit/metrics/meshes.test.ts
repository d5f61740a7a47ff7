import { describe, expect, it } from 'vitest';
import {
  MetricSeriesScorer,
  metricEdge,
  sourceEntity,
  type MetricSample,
} from '../../../pipelines/metrics/index.js';

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
    authority: 'uploads.example.com:443',
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

  it('an outbound byte surge of one Linkerd workload becomes a finding about that workload and edge', () => {
    const findings = new MetricSeriesScorer().pushAll(linkerdEgress(600, 500));
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ kind: 'anomaly', entity: 'shop/reports' });
    expect(findings[0]!.evidence).toMatchObject({
      metric: 'tcp_write_bytes_total:rate',
      source: 'shop/reports',
      destination: 'uploads.example.com:443',
    });
  });
});

describe('series whose labels carry both ends are edges', () => {
  it('Linkerd outbound: the proxy own workload to dst_namespace/dst_deployment (labels as the proxy exports them)', () => {
    expect(
      metricEdge({
        direction: 'outbound',
        authority: 'color.faces.svc.cluster.local',
        target_addr: '10.42.1.10:8000',
        target_ip: '10.42.1.10',
        target_port: '8000',
        tls: 'true',
        server_id: 'default.faces.serviceaccount.identity.linkerd.cluster.local',
        dst_control_plane_ns: 'linkerd',
        dst_deployment: 'color-west',
        dst_namespace: 'faces',
        dst_pod: 'color-west-5f98568cc-t6zt7',
        dst_pod_template_hash: '5f98568cc',
        dst_service: 'color',
        dst_serviceaccount: 'default',
        namespace: 'faces',
        deployment: 'face',
        pod: 'face-6c5b8b8d9c-2xk4q',
      }),
    ).toEqual({ source: 'faces/face', destination: 'faces/color-west' });
  });

  it('Linkerd inbound: the mTLS caller to the proxy own workload; without mTLS only the destination', () => {
    const inbound = {
      direction: 'inbound',
      authority: 'orders.shop.svc.cluster.local:8080',
      target_addr: '10.42.0.7:8080',
      srv_kind: 'default',
      srv_name: 'all-unauthenticated',
      namespace: 'shop',
      deployment: 'orders',
      pod: 'orders-7f9c6b5d8-p5v2w',
    };
    expect(
      metricEdge({
        ...inbound,
        tls: 'true',
        client_id: 'web.shop.serviceaccount.identity.linkerd.cluster.local',
      }),
    ).toEqual({
      source: 'web.shop.serviceaccount.identity.linkerd.cluster.local',
      destination: 'shop/orders',
    });
    expect(metricEdge({ ...inbound, tls: 'no_identity' })).toEqual({ destination: 'shop/orders' });
  });

  it("Consul: consul_source_* to consul_destination_* (Consul's Envoy stats tags)", () => {
    expect(
      metricEdge({
        app: 'a',
        consul_destination_datacenter: 'dc1',
        consul_destination_full_target: 'b.default.dc1.internal.507b776e-1a6e-f754-c542-488c03a3b35f',
        consul_destination_namespace: 'default',
        consul_destination_routing_type: 'internal',
        consul_destination_service: 'b',
        consul_destination_target: 'b.default.dc1',
        consul_source_datacenter: 'dc1',
        consul_source_namespace: 'default',
        consul_source_service: 'a',
        envoy_response_code_class: '4',
      }),
    ).toEqual({ source: 'default/a', destination: 'default/b' });
  });

  it('Istio: source to destination workload, else to the destination service (egress)', () => {
    const src = { source_workload: 'web', source_workload_namespace: 'shop' };
    expect(
      metricEdge({ ...src, destination_workload: 'orders', destination_workload_namespace: 'shop' }),
    ).toEqual({ source: 'shop/web', destination: 'shop/orders' });
    expect(
      metricEdge({ ...src, destination_workload: 'unknown', destination_service: 'api.stripe.com' }),
    ).toEqual({ source: 'shop/web', destination: 'api.stripe.com' });
  });
});

describe('Linkerd per-pod series are scored as one series per edge', () => {
  /**
   * `reports` writes ~1 MB/s to an outside host, spread over two pods; a rollout replaces both pods at
   * `rolloutAt`, and `burstAt` (right after it) the edge carries 40 MB/s.
   */
  function rollout(n: number, rolloutAt: number, burstAt: number): MetricSample[] {
    let seed = 7;
    // Irregular ±10 % noise, as traffic has (a deterministic generator: the test must not be flaky).
    const noise = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    const out: MetricSample[] = [];
    const totals = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const pods =
        i < rolloutAt
          ? ['reports-7d9f8c9b66-x2k7p', 'reports-7d9f8c9b66-q8w3z']
          : ['reports-5b6c7d8e9f-a1b2c', 'reports-5b6c7d8e9f-d3e4f'];
      for (const [p, pod] of pods.entries()) {
        const perPod = ((i >= burstAt ? 40e6 : 1e6 * (0.9 + 0.2 * noise())) / 2) * STEP_S;
        const total = (totals.get(pod) ?? 0) + perPod;
        totals.set(pod, total);
        out.push({
          name: 'tcp_write_bytes_total',
          labels: {
            direction: 'outbound',
            namespace: 'shop',
            deployment: 'reports',
            pod,
            authority: 'uploads.example.com:443',
            target_addr: '203.0.113.7:443',
            tls: 'no_identity',
          },
          // Two pods scraped a second apart, as a scrape round does.
          timeMs: T0 + i * STEP_S * 1000 + p * 1000,
          value: total,
        });
      }
    }
    return out;
  }

  it('a surge right after a rollout is found: the edge did not restart its baseline with its pods', () => {
    const findings = new MetricSeriesScorer().pushAll(rollout(600, 500, 505));
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ entity: 'shop/reports' });
    expect(findings[0]!.evidence).toMatchObject({
      source: 'shop/reports',
      destination: 'uploads.example.com:443',
      observed: expect.any(Number),
    });
    expect(findings[0]!.evidence.labels).not.toHaveProperty('pod');
    // The edge's rate is the two pods' sum: ~40 MB/s once the burst is on.
    expect(findings[0]!.evidence.observed as number).toBeGreaterThan(30e6);
  });

  it('without a surge the rollout alone raises nothing', () => {
    expect(new MetricSeriesScorer().pushAll(rollout(600, 500, 10_000))).toEqual([]);
  });
});
