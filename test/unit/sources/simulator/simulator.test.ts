import { describe, expect, it } from 'vitest';
import { ISTIO_JSON_KEYS, MeshSimulator } from '../../../../pipelines/sources/simulator/index.js';

type Rec = Record<string, unknown>;
const START = Date.UTC(2025, 0, 15, 12, 0, 0);

function collect(sim: MeshSimulator, from: number, to: number): Rec[] {
  const out: Rec[] = [];
  sim.generate(from, to, (r) => out.push(r));
  return out;
}
const ip = (addr: unknown): string => String(addr).split(':')[0] ?? '';
const num = (v: unknown): number => Number(v);

describe('MeshSimulator baseline', () => {
  it('produces the same records for the same seed, and different ones for another seed', () => {
    const a = collect(new MeshSimulator({ seed: 42, startMs: START, services: 12 }), START, START + 60_000);
    const b = collect(new MeshSimulator({ seed: 42, startMs: START, services: 12 }), START, START + 60_000);
    const c = collect(new MeshSimulator({ seed: 43, startMs: START, services: 12 }), START, START + 60_000);
    expect(a.length).toBeGreaterThan(1000);
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(JSON.stringify(a)).not.toBe(JSON.stringify(c));
  });

  it('gives the same records however the interval is sliced (the live demo calls it every second)', () => {
    const whole = new MeshSimulator({ seed: 7, startMs: START, services: 12 });
    whole.schedule('credential_stuffing', START + 10_000);
    const sliced = new MeshSimulator({ seed: 7, startMs: START, services: 12 });
    sliced.schedule('credential_stuffing', START + 10_000);
    const expected = collect(whole, START, START + 40_000);
    const got: Rec[] = [];
    for (let t = START; t < START + 40_000; t += 777)
      sliced.generate(t, Math.min(t + 777, START + 40_000), (r) => got.push(r));
    expect(got.length).toBe(expected.length);
    expect(JSON.stringify(got)).toBe(JSON.stringify(expected));
  });

  it('emits records in event-time order, inside the requested interval', () => {
    const from = START + 1_234;
    const to = START + 31_234;
    const recs = collect(new MeshSimulator({ seed: 3, startMs: START, services: 24 }), from, to);
    let last = 0;
    for (const r of recs) {
      const t = Date.parse(String(r.start_time));
      expect(t).toBeGreaterThanOrEqual(last);
      expect(t).toBeGreaterThanOrEqual(from);
      expect(t).toBeLessThan(to);
      last = t;
    }
  });

  it('writes every key of Istio default JSON format, with inbound and outbound records of one request agreeing', () => {
    const sim = new MeshSimulator({ seed: 5, startMs: START, services: 24 });
    const recs = collect(sim, START, START + 15_000);
    for (const r of recs) for (const k of ISTIO_JSON_KEYS) expect(r).toHaveProperty(k);
    const byId = new Map<string, Rec[]>();
    for (const r of recs)
      if (typeof r.request_id === 'string') byId.set(r.request_id, [...(byId.get(r.request_id) ?? []), r]);
    const pairs = [...byId.values()].filter((v) => v.length === 2);
    expect(pairs.length).toBeGreaterThan(300);
    const podIps = sim.topology.podIps();
    for (const [out, inb] of pairs as [Rec, Rec][]) {
      expect(String(out.upstream_cluster)).toMatch(
        /^outbound\|8080\|\|[a-z-]+\.[a-z-]+\.svc\.cluster\.local$/,
      );
      expect(inb.upstream_cluster).toBe('inbound|8080||');
      // The caller: its principal at the destination, its pod at both sidecars.
      const caller = out.kubernetes as { namespace_name: string; service_account: string };
      expect(inb.downstream_peer_uri_san).toBe(
        `spiffe://cluster.local/ns/${caller.namespace_name}/sa/${caller.service_account}`,
      );
      if (out.x_forwarded_for === null)
        expect(ip(inb.downstream_remote_address)).toBe(ip(out.downstream_remote_address));
      expect(podIps.get(ip(inb.downstream_remote_address))?.serviceAccount).toBe(caller.service_account);
      // The destination: its principal at the source, its own pod in the inbound record.
      const callee = inb.kubernetes as { namespace_name: string; service_account: string };
      expect(out.upstream_peer_uri_san).toBe(
        `spiffe://cluster.local/ns/${callee.namespace_name}/sa/${callee.service_account}`,
      );
      expect(String(out.upstream_cluster)).toContain(`.${callee.namespace_name}.svc.cluster.local`);
      expect(inb.requested_server_name).toBe(
        `outbound_.8080_._.${String(out.upstream_cluster).split('||')[1]}`,
      );
      expect(num(inb.bytes_received)).toBe(num(out.bytes_received));
      expect(num(inb.bytes_sent)).toBe(num(out.bytes_sent));
      expect(num(inb.response_code)).toBe(num(out.response_code));
      expect(inb.x_meshguard_label).toBe('');
    }
  });

  it('has a realistic status mix, stringified numbers now and then, and legitimate egress', () => {
    const recs = collect(new MeshSimulator({ seed: 9, startMs: START }), START, START + 300_000);
    const codes = new Map<number, number>();
    for (const r of recs) codes.set(num(r.response_code), (codes.get(num(r.response_code)) ?? 0) + 1);
    const share = (c: number): number => (codes.get(c) ?? 0) / recs.length;
    expect(share(200)).toBeGreaterThan(0.6);
    for (const c of [201, 204, 304, 404, 401]) expect(share(c)).toBeGreaterThan(0.0005);
    expect(share(404)).toBeLessThan(0.04);
    expect(share(503)).toBeGreaterThan(0);
    expect(share(503)).toBeLessThan(0.005);
    const failed = recs.filter((r) => num(r.response_code) === 503).map((r) => r.response_flags);
    expect(failed.some((f) => f === 'UF' || f === 'URX' || f === 'UH')).toBe(true);
    expect(recs.some((r) => typeof r.response_code === 'string')).toBe(true);
    expect(recs.some((r) => typeof r.response_code === 'number')).toBe(true);
    const egress = recs.filter((r) => String(r.upstream_cluster).startsWith('outbound|443||api.stripe.com'));
    expect(egress.length).toBeGreaterThan(0);
    expect((egress[0]?.kubernetes as { namespace_name: string }).namespace_name).toBe('payments');
    const uas = new Set(recs.map((r) => String(r.user_agent).split('/')[0]));
    for (const ua of ['grpc-go', 'python-requests', 'Go-http-client']) expect(uas).toContain(ua);
    expect(recs.some((r) => /^\/api\/v1\/orders\/\d+$/.test(String(r.path)))).toBe(true);
  });

  it('follows the daily cycle: mid-afternoon is busier than the night', () => {
    const sim = new MeshSimulator({ seed: 1, startMs: START, services: 12 });
    const night = collect(sim, Date.UTC(2025, 0, 15, 3), Date.UTC(2025, 0, 15, 3, 2)).length;
    const day = collect(sim, Date.UTC(2025, 0, 15, 15), Date.UTC(2025, 0, 15, 15, 2)).length;
    expect(day).toBeGreaterThan(night * 3);
  });

  it("with identity 'address' writes stock Istio records: no peer SANs and no Kubernetes block", () => {
    const sim = new MeshSimulator({ seed: 2, startMs: START, services: 12, identity: 'address' });
    const recs = collect(sim, START, START + 20_000);
    expect(recs.length).toBeGreaterThan(100);
    const podIps = sim.topology.podIps();
    for (const r of recs) {
      expect(Object.keys(r).sort()).toEqual([...ISTIO_JSON_KEYS, 'x_meshguard_label'].sort());
      if (r.upstream_cluster === 'inbound|8080||')
        expect(podIps.has(ip(r.downstream_remote_address))).toBe(true);
    }
  });

  it('with bothSidecars false writes in-mesh requests once, from the destination', () => {
    const recs = collect(
      new MeshSimulator({ seed: 2, startMs: START, services: 12, bothSidecars: false }),
      START,
      START + 20_000,
    );
    const outbound = recs.filter((r) => String(r.upstream_cluster).startsWith('outbound|8080||'));
    // Only connection failures never reach the destination's sidecar, so only they stay outbound.
    for (const r of outbound) expect(['UF', 'UH']).toContain(r.response_flags);
    expect(recs.filter((r) => r.upstream_cluster === 'inbound|8080||').length).toBeGreaterThan(
      recs.length * 0.9,
    );
  });

  it('builds the requested number of services with SPIFFE principals, pod IPs and a 1-4 dependency call graph', () => {
    const small = new MeshSimulator({ seed: 1, startMs: START, services: 12 }).topology;
    expect(small.workloads).toHaveLength(12);
    const full = new MeshSimulator({ seed: 1, startMs: START }).topology;
    expect(full.workloads.length).toBeGreaterThanOrEqual(45);
    for (const ns of [
      'shop',
      'payments',
      'identity',
      'catalog',
      'analytics',
      'batch',
      'istio-system',
      'kube-system',
    ])
      expect(full.namespaces).toContain(ns);
    for (const w of full.workloads) {
      expect(w.principal).toBe(`spiffe://cluster.local/ns/${w.namespace}/sa/${w.serviceAccount}`);
      for (const p of w.pods) expect(p.ip).toMatch(/^10\.\d+\.\d+\.\d+$/);
      const deps = full.outgoing(w).filter((e) => 'principal' in e.dst);
      if (w.kind !== 'gateway') expect(deps.length).toBeLessThanOrEqual(4);
    }
    expect(full.workloads.filter((w) => full.outgoing(w).length > 0).length).toBeGreaterThan(30);
  });

  it('generates a steady stream: every 100 s of a 50-service mesh holds tens of thousands of records', () => {
    // Its speed is a benchmark target (bench/simulator.js, >= 200k records per CPU-second), not a timed test.
    const sim = new MeshSimulator({ seed: 1, startMs: START });
    let n = 0;
    sim.generate(START, START + 100_000, () => n++);
    expect(n).toBeGreaterThan(30_000);
  });
});
