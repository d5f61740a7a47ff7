/**
 * Each detector fires on its pattern and stays quiet on the benign look-alikes, through the whole
 * pipeline (windows → detectors → fusion → incidents) on hand-built traffic in event time.
 */
import { describe, expect, it } from 'vitest';
import { ev, merge, principalOf, steady } from '../../helpers/events.js';
import { runEvents } from '../../helpers/pipeline.js';
import type { MeshEvent } from '../../../pipelines/core/event.js';

const T0 = Date.parse('2026-11-02T10:00:00Z');
const MIN = 60_000;
const FRONTEND = principalOf('shop', 'frontend');
const CART = principalOf('shop', 'cart');
const REPORTS = principalOf('analytics', 'reports');
const SVC = (name: string, ns = 'shop') => `${name}.${ns}.svc.cluster.local`;

/** Ten minutes of normal traffic from three workloads, then `tail` minutes more with the extra events. */
function mesh(extra: MeshEvent[], tail = 5): MeshEvent[] {
  const end = T0 + (10 + tail) * MIN;
  return merge(
    steady(FRONTEND, [SVC('orders'), SVC('catalog')], T0, end, 5),
    steady(CART, [SVC('orders'), SVC('payments', 'payments')], T0, end, 3),
    steady(REPORTS, [SVC('warehouse', 'analytics')], T0, end, 2, { bytesDown: 50_000 }),
    extra,
  );
}

function burst(
  count: number,
  fromMs: number,
  spacingMs: number,
  make: (i: number, t: number) => MeshEvent,
): MeshEvent[] {
  return Array.from({ length: count }, (_, i) => make(i, fromMs + i * spacingMs));
}

const ATTACK_AT = T0 + 10 * MIN;

describe('unauthorized_access', () => {
  it('fires on a burst of 401s from one identity and names that identity', async () => {
    const stuffing = burst(120, ATTACK_AT, 250, (_i, t) =>
      ev({
        src: CART,
        dst: SVC('identity', 'identity'),
        timeMs: t,
        method: 'POST',
        path: '/login',
        status: 401,
      }),
    );
    const { incidents } = await runEvents(mesh(stuffing));
    expect(incidents).toHaveLength(1);
    expect(incidents[0]!.kind).toBe('unauthorized_access');
    expect(incidents[0]!.workload).toEqual({ namespace: 'shop', serviceAccount: 'cart', principal: CART });
    expect(Date.parse(incidents[0]!.detectedAt) - ATTACK_AT).toBeLessThan(30_000);
  });

  it('fires on Istio RBAC denials across services', async () => {
    const probes = burst(60, ATTACK_AT, 500, (i, t) =>
      ev({
        src: FRONTEND,
        dst: SVC(['payments', 'identity', 'vault', 'admin'][i % 4]!, 'payments'),
        timeMs: t,
        status: 403,
        responseCodeDetails: 'rbac_access_denied_matched_policy[ns[payments]-policy[deny-all]-rule[0]]',
      }),
    );
    const { incidents } = await runEvents(mesh(probes));
    expect(incidents.map((i) => i.kind)).toContain('unauthorized_access');
    expect(incidents.every((i) => (i.workload as { principal?: string }).principal === FRONTEND)).toBe(true);
  });

  it('fires on plaintext calls into services that only ever saw mTLS', async () => {
    const plaintext = burst(40, ATTACK_AT, 500, (_i, t) =>
      ev({ src: 'ip:10.8.0.15', srcAddress: '10.8.0.15', mtls: false, dst: SVC('orders'), timeMs: t }),
    );
    const { incidents } = await runEvents(mesh(plaintext));
    expect(incidents).toHaveLength(1);
    expect(incidents[0]!.kind).toBe('unauthorized_access');
    expect(incidents[0]!.workload).toEqual({ address: '10.8.0.15' });
  });

  it('stays quiet through an upstream outage (503 with UF)', async () => {
    const outage = burst(600, ATTACK_AT, 100, (_i, t) =>
      ev({ src: FRONTEND, dst: SVC('orders'), timeMs: t, status: 503, responseFlags: 'UF' }),
    );
    const { incidents } = await runEvents(mesh(outage));
    expect(incidents).toEqual([]);
  });
});

describe('scanning', () => {
  it('fires on a path scan (mostly 404 on never-seen routes)', async () => {
    const words = [
      '/.env',
      '/admin',
      '/wp-login.php',
      '/actuator/env',
      '/.git/config',
      '/server-status',
      '/phpmyadmin',
    ];
    const scan = burst(200, ATTACK_AT, 100, (i, t) =>
      ev({
        src: FRONTEND,
        dst: SVC('catalog'),
        timeMs: t,
        path: `${words[i % words.length]}${i}`,
        status: 404,
      }),
    );
    const { incidents } = await runEvents(mesh(scan));
    expect(incidents).toHaveLength(1);
    expect(incidents[0]!.kind).toBe('scanning');
  });

  it('stays quiet on a 5× traffic surge with the usual mix of 404s', async () => {
    const surge = [...steady(FRONTEND, [SVC('orders'), SVC('catalog')], ATTACK_AT, ATTACK_AT + 3 * MIN, 25)];
    const { incidents } = await runEvents(mesh(surge));
    expect(incidents).toEqual([]);
  });
});

describe('lateral_movement', () => {
  it('fires when an identity calls several destinations it never called', async () => {
    const targets = ['payments', 'identity', 'vault', 'billing', 'ledger'];
    const moves = burst(50, ATTACK_AT, 400, (i, t) =>
      ev({ src: CART, dst: SVC(targets[i % targets.length]!, 'internal'), timeMs: t }),
    );
    const { incidents } = await runEvents(mesh(moves));
    expect(incidents).toHaveLength(1);
    expect(incidents[0]!.kind).toBe('lateral_movement');
  });

  it('fires on a single call to the Kubernetes API from a workload that never made one', async () => {
    const k8s = burst(3, ATTACK_AT, 1000, (_i, t) =>
      ev({ src: FRONTEND, dst: 'kubernetes.default.svc.cluster.local', timeMs: t, path: '/api/v1/secrets' }),
    );
    const { incidents } = await runEvents(mesh(k8s));
    expect(incidents).toHaveLength(1);
    expect(incidents[0]!.kind).toBe('lateral_movement');
    expect(['high', 'critical']).toContain(incidents[0]!.severity);
  });

  it('stays quiet on a rollout that adds one new dependency', async () => {
    const rollout = [...steady(FRONTEND, [SVC('recommendations')], ATTACK_AT, ATTACK_AT + 5 * MIN, 5)];
    const { incidents } = await runEvents(mesh(rollout));
    expect(incidents).toEqual([]);
  });
});

describe('exfiltration', () => {
  it('fires on a bulk read far above the edge baseline', async () => {
    const dump = burst(30, ATTACK_AT, 1000, (_i, t) =>
      ev({
        src: FRONTEND,
        dst: SVC('orders'),
        timeMs: t,
        path: '/api/v1/orders/export',
        bytesDown: 5_000_000,
      }),
    );
    const { incidents } = await runEvents(mesh(dump));
    expect(incidents).toHaveLength(1);
    expect(incidents[0]!.kind).toBe('exfiltration');
  });

  it('adds up a slow drip to a new external host that no single window shows', async () => {
    const drip = burst(60, ATTACK_AT, 5000, (_i, t) =>
      ev({
        src: CART,
        direction: 'outbound',
        egress: true,
        externalHost: 'paste.example.net',
        dst: 'paste.example.net',
        timeMs: t,
        method: 'POST',
        bytesUp: 300_000,
        bytesDown: 200,
      }),
    );
    const { incidents } = await runEvents(mesh(drip));
    // One incident, raised again as its severity grows with the volume (each time re-decided).
    expect(new Set(incidents.map((i) => i.id)).size).toBe(1);
    expect(incidents[0]!.kind).toBe('exfiltration');
    expect(incidents.slice(1).every((i) => i.evidence.escalated_from !== undefined)).toBe(true);
    expect((incidents[0]!.evidence.findings as Array<{ external_host: string }>)[0]!.external_host).toBe(
      'paste.example.net',
    );
  });

  it('finds a periodic beacon to a new external host', async () => {
    const beacon = burst(12, ATTACK_AT, 30_000, (i, t) =>
      ev({
        src: CART,
        direction: 'outbound',
        egress: true,
        externalHost: 'c2.example.org',
        dst: 'c2.example.org',
        timeMs: t + (i % 3) * 200,
        bytesUp: 400,
        bytesDown: 300,
      }),
    );
    const { incidents } = await runEvents(mesh(beacon, 8));
    expect(new Set(incidents.map((i) => i.id)).size).toBe(1);
    expect(incidents[0]!.kind).toBe('exfiltration');
    expect(incidents[0]!.detectors).toContain('beaconing');
  });

  it('stays quiet when a scheduled job repeats the large read it did during the baseline', async () => {
    const job = (from: number) =>
      burst(20, from, 1000, (_i, t) =>
        ev({ src: REPORTS, dst: SVC('warehouse', 'analytics'), timeMs: t, bytesDown: 8_000_000 }),
      );
    const { incidents } = await runEvents(mesh([...job(T0 + 1 * MIN), ...job(ATTACK_AT)]));
    expect(incidents).toEqual([]);
  });

  /** Three minutes of attempts (with retries) on the warehouse, then 30 pooled TCP sessions of 2 MB each in 15 s. */
  const afterAttempts = (flags: string): MeshEvent[] => {
    const tcp = { method: '', path: '', status: 0 };
    const attempts = burst(720, ATTACK_AT, 250, (_i, t) =>
      ev({
        ...tcp,
        src: REPORTS,
        dst: SVC('warehouse', 'analytics'),
        timeMs: t,
        responseFlags: flags,
        bytesDown: 0,
        bytesUp: 0,
        durationMs: 300,
      }),
    );
    const catchUp = burst(30, ATTACK_AT + 3 * MIN, 500, (_i, t) =>
      ev({
        ...tcp,
        src: REPORTS,
        dst: SVC('warehouse', 'analytics'),
        timeMs: t,
        bytesDown: 2_000_000,
        bytesUp: 50_000,
        durationMs: 45_000,
      }),
    );
    return [...attempts, ...catchUp];
  };

  it('stays quiet on the pools catching up after their destination was down (UF/UH)', async () => {
    const { incidents } = await runEvents(mesh(afterAttempts('UF')));
    expect(incidents.filter((i) => i.kind === 'exfiltration')).toEqual([]);
  });

  it('still finds that volume after empty sessions a caller can open on its own (no upstream failure)', async () => {
    const { incidents } = await runEvents(mesh(afterAttempts('-')));
    expect(incidents.map((i) => i.kind)).toContain('exfiltration');
  });
});
