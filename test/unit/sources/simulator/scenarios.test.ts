import { describe, expect, it } from 'vitest';
import { MeshSimulator, SCENARIOS, type GroundTruth } from '../../../../pipelines/sources/simulator/index.js';

type Rec = Record<string, unknown>;
const START = Date.UTC(2025, 0, 15, 13, 0, 0);
const WARMUP = 10 * 60_000;

const isOutbound = (r: Rec): boolean =>
  String(r.upstream_cluster).startsWith('outbound|') || r.upstream_cluster === 'PassthroughCluster';
const ipOf = (a: unknown): string => String(a).split(':')[0] ?? '';

/** Who sent the request, as a detector would key it: principal when known, else the caller's address. */
function sourceOf(r: Rec): string {
  if (isOutbound(r)) {
    const k = r.kubernetes as { namespace_name: string; service_account: string };
    return `spiffe://cluster.local/ns/${k.namespace_name}/sa/${k.service_account}`;
  }
  return typeof r.downstream_peer_uri_san === 'string'
    ? r.downstream_peer_uri_san
    : `ip:${ipOf(r.downstream_remote_address)}`;
}
const fromActor = (r: Rec, t: GroundTruth): boolean =>
  sourceOf(r) === t.actor.principal || sourceOf(r) === `ip:${t.actor.address}`;

/** Where an outbound record went: the service host, the SNI of passthrough TCP, or the bare IP. */
function destinationOf(r: Rec): string {
  const c = String(r.upstream_cluster);
  if (c.startsWith('outbound|')) return c.split('||')[1] ?? c;
  return typeof r.requested_server_name === 'string'
    ? r.requested_server_name
    : typeof r.authority === 'string'
      ? r.authority
      : ipOf(r.upstream_host);
}

function run(name: string, seed = 11): { sim: MeshSimulator; truth: GroundTruth; labeled: Rec[] } {
  const sim = new MeshSimulator({ seed, startMs: START, services: 24, ratePerSec: 40 });
  const truth = sim.schedule(name, START + WARMUP);
  const labeled: Rec[] = [];
  sim.generate(truth.startMs - 5_000, truth.endMs + 5_000, (r) => {
    if (r.x_meshguard_label !== '') labeled.push(r);
  });
  return { sim, truth, labeled };
}

describe('scenario library', () => {
  it('has every attack and benign scenario of the evaluation, with the acceptable incident kinds', () => {
    const kinds = Object.fromEntries(SCENARIOS.map((s) => [s.name, [...s.acceptableKinds].sort()]));
    expect(kinds).toEqual({
      credential_stuffing: ['unauthorized_access'],
      token_replay: ['anomaly', 'lateral_movement', 'unauthorized_access'],
      object_id_enumeration: ['scanning', 'unauthorized_access'],
      path_scanning: ['scanning'],
      rbac_probing: ['unauthorized_access'],
      lateral_movement: ['lateral_movement'],
      bulk_read_exfiltration: ['exfiltration'],
      slow_drip_upload: ['exfiltration'],
      beaconing: ['anomaly', 'exfiltration'],
      cloud_metadata_access: ['exfiltration', 'lateral_movement', 'unauthorized_access'],
      kubernetes_api_access: ['exfiltration', 'lateral_movement', 'unauthorized_access'],
      plaintext_in_strict_mtls: ['anomaly', 'lateral_movement', 'unauthorized_access'],
      passthrough_egress: ['exfiltration'],
      slow_sql_injection: ['unauthorized_access'],
      encoded_traversal: ['unauthorized_access'],
      query_xss: ['unauthorized_access'],
      vulnerability_scanner: ['scanning'],
      tcp_password_guessing: ['unauthorized_access'],
      port_sweep: ['scanning'],
      host_sweep: ['scanning'],
      single_flow_read: ['exfiltration'],
      scan_then_exfiltration: ['exfiltration', 'scanning'],
      passthrough_lateral_movement: ['lateral_movement'],
      traffic_surge: [],
      flash_sale: [],
      upstream_outage: [],
      rollout_new_dependency: [],
      canary_shift: [],
      nightly_batch: [],
      cache_flush_storm: [],
      client_retries: [],
      search_hard_cases: [],
      tcp_dependency_outage: [],
      learning_period_poisoning: ['exfiltration'],
      ramping_exfiltration: ['exfiltration'],
      slow_credential_guessing: ['unauthorized_access'],
      slow_credential_guessing_2s: ['unauthorized_access'],
      slow_path_scan: ['scanning'],
      slow_path_scan_2s: ['scanning'],
      slow_port_sweep: ['scanning'],
      slow_port_sweep_2s: ['scanning'],
      slow_tcp_password_guessing: ['unauthorized_access'],
      misconfigured_client: [],
    });
    for (const s of SCENARIOS) expect(s.attack).toBe(s.acceptableKinds.length > 0);
  });

  for (const def of SCENARIOS.filter((s) => s.attack)) {
    it(`${def.name}: labeled records, all from the compromised actor, within its window`, () => {
      const { sim, truth, labeled } = run(def.name);
      expect(truth.attack).toBe(true);
      // A single oversized read is one request (two records, one per sidecar).
      expect(labeled.length).toBeGreaterThan(def.name === 'single_flow_read' ? 1 : 10);
      for (const r of labeled) {
        expect(r.x_meshguard_label).toBe(def.name);
        expect(fromActor(r, truth)).toBe(true);
        const t = Date.parse(String(r.start_time));
        expect(t).toBeGreaterThanOrEqual(truth.startMs);
        expect(t).toBeLessThan(truth.endMs);
      }
      // The actor is an ordinary workload with a baseline of its own.
      const actor = sim.topology.workloads.find((w) => w.principal === truth.actor.principal);
      expect(actor?.kind).not.toBe('gateway');
      expect(truth.endMs - truth.startMs).toBeLessThanOrEqual(25 * 60_000);
    });
  }

  for (const def of SCENARIOS.filter((s) => !s.attack)) {
    it(`${def.name}: labeled records involving the actor, who keeps its usual destinations${['rollout_new_dependency', 'misconfigured_client'].includes(def.name) ? ' but exactly one' : ''}`, () => {
      const { sim, truth, labeled } = run(def.name);
      expect(truth.attack).toBe(false);
      expect(labeled.length).toBeGreaterThan(10);
      const actor = sim.topology.workloads.find((w) => w.principal === truth.actor.principal);
      if (!actor) throw new Error('actor not in topology');
      const involved = labeled.filter(
        (r) =>
          fromActor(r, truth) ||
          (r.kubernetes as { service_account: string }).service_account === actor.serviceAccount,
      );
      expect(involved.length).toBeGreaterThan(0);
      const usual = new Set(
        sim.topology.outgoing(actor).map((e) => ('principal' in e.dst ? e.dst.host : e.dst.host)),
      );
      const used = new Set(labeled.filter((r) => isOutbound(r) && fromActor(r, truth)).map(destinationOf));
      const fresh = [...used].filter((d) => !usual.has(d));
      // A rollout adds one dependency; a misconfigured client retries one decommissioned address.
      const oneNew = ['rollout_new_dependency', 'misconfigured_client'];
      expect(fresh).toHaveLength(oneNew.includes(def.name) ? 1 : 0);
      // Benign traffic is authenticated mesh traffic: never a plaintext caller.
      for (const r of labeled) if (!isOutbound(r)) expect(typeof r.downstream_peer_uri_san).toBe('string');
    });
  }

  it('single_flow_read still plays its read when the run cuts the scenario to a few seconds', () => {
    // The evaluation shortens the whole library to fit its run; a read planned after the cut never happens.
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const sim = new MeshSimulator({ seed, startMs: START, services: 24, ratePerSec: 40 });
      const at = START + WARMUP;
      const truth = sim.schedule('single_flow_read', at, undefined, { untilMs: at + 8_000 });
      const reads: Rec[] = [];
      sim.generate(at - 5_000, at + 60_000, (r) => {
        if (r.x_meshguard_label === 'single_flow_read') reads.push(r);
      });
      expect(reads.length, `seed ${seed}`).toBe(2);
      for (const r of reads) {
        expect(Number(r.bytes_sent)).toBeGreaterThan(7_000_000);
        expect(Date.parse(String(r.start_time))).toBeLessThan(truth.endMs);
      }
    }
  });

  it('learning_period_poisoning and ramping_exfiltration still play their attack when cut to a few minutes', () => {
    // The evaluation gives them four to six minutes: the upload (ten minutes in) and the ramp's top
    // (22 minutes in) must come before the cut, after the priming and the small start.
    for (const seed of [1, 2, 3]) {
      const sim = new MeshSimulator({ seed, startMs: START, services: 24, ratePerSec: 40 });
      const at = START + WARMUP;
      const poison = sim.schedule('learning_period_poisoning', at, undefined, { untilMs: at + 4 * 60_000 });
      const ramp = sim.schedule('ramping_exfiltration', at + 5 * 60_000, undefined, {
        untilMs: at + 10 * 60_000,
      });
      const up: number[] = [];
      const down: Array<[number, number]> = [];
      sim.generate(at, at + 11 * 60_000, (r) => {
        const t = Date.parse(String(r.start_time));
        if (r.x_meshguard_label === 'learning_period_poisoning' && isOutbound(r))
          up.push(Number(r.bytes_received));
        if (r.x_meshguard_label === 'ramping_exfiltration' && isOutbound(r))
          down.push([t, Number(r.bytes_sent)]);
        if (r.x_meshguard_label)
          expect(t).toBeLessThan(r.x_meshguard_label === 'ramping_exfiltration' ? ramp.endMs : poison.endMs);
      });
      expect(up.filter((b) => b < 5_000).length, `seed ${seed}`).toBeGreaterThan(0);
      expect(up.filter((b) => b > 4_000_000).length, `seed ${seed}`).toBeGreaterThan(60);
      expect(down[0]![1]).toBeLessThan(20_000);
      expect(Math.max(...down.map(([, b]) => b)), `seed ${seed}`).toBeGreaterThan(5_000_000);
    }
  });

  it('credential_stuffing is mostly 401 on POST /login at a few per second', () => {
    const { truth, labeled } = run('credential_stuffing');
    const inbound = labeled.filter((r) => !isOutbound(r));
    expect(inbound.every((r) => r.method === 'POST' && r.path === '/login')).toBe(true);
    expect(inbound.filter((r) => Number(r.response_code) === 401).length / inbound.length).toBeGreaterThan(
      0.85,
    );
    const perSec = inbound.length / ((truth.endMs - truth.startMs) / 1000);
    expect(perSec).toBeGreaterThan(3);
    expect(perSec).toBeLessThan(15);
  });

  it('object_id_enumeration walks many distinct ids, mostly 404/403', () => {
    const { labeled } = run('object_id_enumeration');
    const inbound = labeled.filter((r) => !isOutbound(r));
    const ids = new Set(inbound.map((r) => /\/(\d+)$/.exec(String(r.path))?.[1]));
    expect(ids.size).toBeGreaterThan(500);
    expect(
      inbound.filter((r) => [403, 404].includes(Number(r.response_code))).length / inbound.length,
    ).toBeGreaterThan(0.8);
  });

  it('rbac_probing is denied by AuthorizationPolicies across several services', () => {
    const { labeled } = run('rbac_probing');
    const denied = labeled.filter((r) => !isOutbound(r) && Number(r.response_code) === 403);
    expect(denied.length).toBeGreaterThan(100);
    for (const r of denied)
      expect(String(r.response_code_details)).toMatch(
        /^rbac_access_denied_matched_policy\[ns\[[a-z-]+\]-policy\[[a-z-]+\]-rule\[0\]\]$/,
      );
    expect(
      new Set(denied.map((r) => (r.kubernetes as { pod_name: string }).pod_name.split('-')[0])).size,
    ).toBeGreaterThanOrEqual(4);
  });

  it('bulk_read_exfiltration reads far more per request than the actor usually does from that service', () => {
    const { sim, truth, labeled } = run('bulk_read_exfiltration');
    const target = destinationOf(labeled.find(isOutbound) as Rec);
    const usual: number[] = [];
    sim.generate(START, START + WARMUP, (r) => {
      if (isOutbound(r) && fromActor(r, truth) && destinationOf(r) === target)
        usual.push(Number(r.bytes_sent));
    });
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
    const attack = labeled.filter(isOutbound).map((r) => Number(r.bytes_sent));
    expect(mean(attack)).toBeGreaterThan(1_000_000);
    expect(mean(attack)).toBeGreaterThan(10 * mean(usual));
  });

  it('slow_drip_upload sends 200-500 KB every few seconds to one new host for over 20 minutes', () => {
    const { truth, labeled } = run('slow_drip_upload');
    expect(truth.endMs - truth.startMs).toBeGreaterThanOrEqual(20 * 60_000);
    expect(new Set(labeled.map(destinationOf)).size).toBe(1);
    for (const r of labeled) {
      expect(Number(r.bytes_received)).toBeGreaterThanOrEqual(200_000);
      expect(Number(r.bytes_received)).toBeLessThanOrEqual(500_000);
    }
    expect(labeled.length).toBeGreaterThan(150);
  });

  it('beaconing checks in every ~30 s with little jitter through PassthroughCluster', () => {
    const { labeled } = run('beaconing');
    const times = labeled.map((r) => Date.parse(String(r.start_time)));
    expect(
      labeled.every(
        (r) => r.upstream_cluster === 'PassthroughCluster' && typeof r.requested_server_name === 'string',
      ),
    ).toBe(true);
    expect(times.length).toBeGreaterThanOrEqual(35);
    for (let i = 1; i < times.length; i++) {
      const gap = (times[i] as number) - (times[i - 1] as number);
      expect(gap).toBeGreaterThan(27_000);
      expect(gap).toBeLessThan(33_000);
    }
  });

  it('cloud_metadata_access asks 169.254.169.254 for IAM credentials through PassthroughCluster', () => {
    const { labeled } = run('cloud_metadata_access');
    expect(
      labeled.every(
        (r) =>
          r.upstream_cluster === 'PassthroughCluster' &&
          String(r.upstream_host).startsWith('169.254.169.254:'),
      ),
    ).toBe(true);
    expect(
      labeled.some((r) => String(r.path).startsWith('/latest/meta-data/iam/security-credentials/')),
    ).toBe(true);
  });

  it('kubernetes_api_access reads secrets from the API server', () => {
    const { labeled } = run('kubernetes_api_access');
    expect(
      labeled.every((r) => r.upstream_cluster === 'outbound|443||kubernetes.default.svc.cluster.local'),
    ).toBe(true);
    expect(labeled.some((r) => r.path === '/api/v1/secrets')).toBe(true);
  });

  it('plaintext_in_strict_mtls arrives without a peer identity from the actor pod address, seen only inbound', () => {
    const { truth, labeled } = run('plaintext_in_strict_mtls');
    for (const r of labeled) {
      expect(r.upstream_cluster).toBe('inbound|8080||');
      expect(r.downstream_peer_uri_san).toBeNull();
      expect(r.requested_server_name).toBeNull();
      expect(ipOf(r.downstream_remote_address)).toBe(truth.actor.address);
    }
  });

  it('passthrough_egress uploads megabytes to hosts no ServiceEntry registers', () => {
    const { labeled } = run('passthrough_egress');
    expect(
      labeled.every((r) => r.upstream_cluster === 'PassthroughCluster' && Number(r.response_code) === 0),
    ).toBe(true);
    expect(labeled.reduce((s, r) => s + Number(r.bytes_received), 0)).toBeGreaterThan(50_000_000);
  });

  it('upstream_outage fails calls to one dependency with 503 UF/UH/URX', () => {
    const { labeled } = run('upstream_outage');
    const failed = labeled.filter((r) => Number(r.response_code) === 503);
    expect(failed.length / labeled.length).toBeGreaterThan(0.4);
    expect(new Set(failed.filter(isOutbound).map((r) => r.response_flags))).toEqual(
      new Set(['UF', 'UH', 'URX']),
    );
  });

  it('canary_shift moves traffic to new v2 pods of the same service account', () => {
    const { sim, truth, labeled } = run('canary_shift');
    const actor = sim.topology.workloads.find((w) => w.principal === truth.actor.principal);
    const v2 = actor?.extraPods[0];
    expect(v2?.version).toBe('v2');
    expect(labeled.some((r) => (r.kubernetes as { pod_name: string }).pod_name === v2?.name)).toBe(true);
    expect(sim.topology.podIps().get(v2?.ip ?? '')?.serviceAccount).toBe(actor?.serviceAccount);
  });

  it('schedule picks a different actor for each scenario and refuses unknown names', () => {
    const sim = new MeshSimulator({ seed: 4, startMs: START, services: 24 });
    const actors = ['lateral_movement', 'path_scanning', 'credential_stuffing', 'beaconing'].map(
      (n, i) => sim.schedule(n, START + i * 600_000).actor.principal,
    );
    expect(new Set(actors).size).toBe(4);
    expect(() => sim.schedule('no_such_scenario', START)).toThrow(/unknown scenario/);
    expect(() => sim.schedule('beaconing', START, 'shop/nope')).toThrow(/unknown actor/);
    expect(sim.schedule('beaconing', START, 'shop/cart').actor.principal).toBe(
      'spiffe://cluster.local/ns/shop/sa/cart',
    );
  });
});
