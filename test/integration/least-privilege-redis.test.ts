/**
 * Least-privilege verification across a restart of `meshguard serve`, with its state in a real
 * redis-server and its policies in the Kubernetes API stand-in: the restarted process resumes each clean
 * period where it was, keeps what was promoted or is waiting for approval, and never learns, proposes,
 * promotes or asks approval again.
 */
import { Value } from '@sinclair/typebox/value';
import { DEFAULT_CONFIG } from '../../config/defaults.generated.js';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MeshEvent } from '../../pipelines/core/event.js';
import { MemoryStateStore } from '../../pipelines/core/state-store.js';
import { LeastPrivilegeConfig } from '../../pipelines/responders/least-privilege/config.js';
import { LeastPrivilegeLoop } from '../../pipelines/responders/least-privilege/service-loop.js';
import { LeastPrivilegeVerifier } from '../../pipelines/responders/least-privilege/verify.js';
import { AuditTrail } from '../../pipelines/responders/quarantine/audit-trail.js';
import { RedisStateStore } from '../../pipelines/state/redis-state-store.js';
import {
  ensureKubernetesClientLoads,
  startApiServerStandIn,
  type ApiServerStandIn,
} from '../helpers/apiserver-stand-in.js';
import { ev, principalOf } from '../helpers/events.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';
import { FakeClock, quarantineConfig, settings } from '../unit/responders/quarantine/fixtures.js';

ensureKubernetesClientLoads();
const { KubeConfig } = await import('@kubernetes/client-node');
const { KubernetesSink } = await import('../../pipelines/responders/quarantine/sinks/kubernetes.js');

const WEB = principalOf('shop', 'web');
const CART = principalOf('shop', 'cart');
const HOUR = 3600_000;
const DAY = 24 * HOUR;
const DRY_RUN = 'istio.io/dry-run';
const LP_DEFAULTS = Value.Default(LeastPrivilegeConfig, {}) as LeastPrivilegeConfig;

let redis: RedisServer;
let api: ApiServerStandIn;
const stores: RedisStateStore[] = [];
let prefixSeq = 0;

beforeAll(async () => {
  redis = await startRedis();
  api = await startApiServerStandIn();
});
afterAll(async () => {
  await redis?.stop();
  await api?.stop();
});
beforeEach(() => {
  api.objects.clear();
  api.requests.length = 0;
});
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
});

const call = (src: string, app: string, shadow: string): MeshEvent =>
  ev({ timeMs: 0, src, dstNamespace: 'shop', podLabels: { app }, rbacShadowAllow: shadow });

/** One `meshguard serve` process: its own Redis connection, sink and loop, on the shared clock and prefix. */
async function serveProcess(clock: FakeClock, prefix: string, requireApproval: boolean) {
  const store = new RedisStateStore(
    { ...DEFAULT_CONFIG.redis, url: redis.url, key_prefix: prefix },
    { logger: pino({ level: 'silent' }), maxRetryDelayMs: 200 },
  );
  await store.connect();
  stores.push(store);
  const s = settings(clock, store);
  const kc = new KubeConfig();
  kc.loadFromString(api.kubeconfigYaml());
  const qcfg = quarantineConfig({ sink: 'kubernetes', protected_namespaces: ['ops'] });
  const audit = new AuditTrail(qcfg, store, clock, s.logger);
  const cfg = {
    ...LP_DEFAULTS,
    learn_secs: 3600,
    clean_period_secs: DAY / 1000,
    require_approval: requireApproval,
  };
  const verifier = new LeastPrivilegeVerifier({
    cfg,
    quarantine: qcfg,
    sink: new KubernetesSink({ kubeConfig: kc, metrics: s.metrics }),
    audit,
    state: store,
    clock,
    metrics: s.metrics,
    logger: s.logger,
  });
  const loop = new LeastPrivilegeLoop(verifier, cfg, ['ops'], clock, s.logger);
  return { loop, verifier, audit, store };
}

const writes = () => api.requests.filter((r) => r.method !== 'GET').length;
const byPolicy = (v: LeastPrivilegeVerifier) =>
  Object.fromEntries(v.coverage().policies.map((p) => [p.policy, p]));

describe('least-privilege verification survives a restart (real Redis)', () => {
  it('resumes the clean period, keeps the promotion, and applies nothing twice', async () => {
    const clock = new FakeClock();
    const prefix = `mg-lp-${++prefixSeq}:`;
    const first = await serveProcess(clock, prefix, false);
    expect(await first.loop.restore()).toBe(true);
    first.loop.onEvent(call(WEB, 'orders', ''));
    first.loop.onEvent(call(CART, 'payments', ''));
    clock.advance(HOUR);
    await first.loop.tick(); // learning over: both proposals applied in dry-run
    const appliedAt = clock.now;
    clock.advance(12 * HOUR);
    first.loop.onEvent(call(CART, 'orders', 'denied')); // orders' clean period restarts here
    first.loop.onEvent(call(CART, 'orders', 'denied'));
    const deniedAt = clock.now;
    clock.advance(12 * HOUR);
    await first.loop.tick(); // payments clean for a day: promoted; orders not yet
    expect(byPolicy(first.verifier)['meshguard-allow-payments']?.state).toBe('enforced');
    await first.loop.shutdown();
    await first.store.close();

    // The process restarts; the clock has moved on by 2 hours.
    clock.advance(2 * HOUR);
    const writesBefore = writes();
    const second = await serveProcess(clock, prefix, false);
    expect(await second.loop.restore()).toBe(true);
    expect(second.loop.learning).toBe(false);
    const restored = byPolicy(second.verifier);
    expect(restored['meshguard-allow-payments']).toMatchObject({ state: 'enforced', wouldDeny: 0 });
    expect(restored['meshguard-allow-orders']).toMatchObject({
      state: 'dry_run',
      wouldDeny: 2,
      appliedAt: new Date(appliedAt).toISOString(),
      cleanSince: new Date(deniedAt).toISOString(),
    });
    // Traffic after the restart is not learned again, and nothing is applied or promoted again.
    second.loop.onEvent(call(WEB, 'inventory', ''));
    clock.advance(HOUR);
    await second.loop.tick();
    expect(writes()).toBe(writesBefore);
    expect(api.objects.has('shop/meshguard-allow-inventory')).toBe(false);

    // orders' clean period ends a day after its last would-be denial, not a day after the restart.
    clock.advance(deniedAt + DAY - clock.now);
    await second.loop.tick();
    expect(byPolicy(second.verifier)['meshguard-allow-orders']?.state).toBe('enforced');
    expect(api.objects.get('shop/meshguard-allow-orders')?.metadata.annotations?.[DRY_RUN]).toBeUndefined();
    const trail = await second.audit.read();
    expect(trail.filter((e) => e.action === 'least-privilege-dry-run')).toHaveLength(2);
    expect(
      trail.filter((e) => e.action === 'least-privilege-promote').map((e) => e.policies?.[0]?.metadata.name),
    ).toEqual(['meshguard-allow-payments', 'meshguard-allow-orders']);
    await second.loop.shutdown();
  });

  it('a policy waiting for approval still waits after a restart, is not asked again, and can be approved', async () => {
    const clock = new FakeClock();
    const prefix = `mg-lp-${++prefixSeq}:`;
    const first = await serveProcess(clock, prefix, true);
    await first.loop.restore();
    first.loop.onEvent(call(WEB, 'orders', ''));
    clock.advance(HOUR);
    await first.loop.tick();
    clock.advance(DAY);
    await first.loop.tick();
    expect(byPolicy(first.verifier)['meshguard-allow-orders']?.state).toBe('pending_approval');
    await first.loop.shutdown();
    await first.store.close();

    const second = await serveProcess(clock, prefix, true);
    await second.loop.restore();
    clock.advance(HOUR);
    await second.loop.tick();
    expect(byPolicy(second.verifier)['meshguard-allow-orders']?.state).toBe('pending_approval');
    const pending = (await second.audit.read()).filter(
      (e) => e.action === 'least-privilege-pending-approval',
    );
    expect(pending).toHaveLength(1);
    await second.verifier.approve('shop', 'meshguard-allow-orders', 'alice');
    expect(api.objects.get('shop/meshguard-allow-orders')?.metadata.annotations?.[DRY_RUN]).toBeUndefined();

    // A third process sees the approval: enforced, and a release deletes it for good.
    await second.loop.shutdown();
    const third = await serveProcess(clock, prefix, true);
    await third.loop.restore();
    expect(byPolicy(third.verifier)['meshguard-allow-orders']?.state).toBe('enforced');
    await third.verifier.release('shop', 'meshguard-allow-orders', 'bob', 'rollback');
    const fourth = await serveProcess(clock, prefix, true);
    await fourth.loop.restore();
    expect(fourth.verifier.coverage().policies).toEqual([]);
    expect(fourth.loop.learning).toBe(false);
  });
});

describe('least-privilege verification with an unreadable state store', () => {
  it('proposes nothing until the state can be read', async () => {
    const clock = new FakeClock();
    const store = new MemoryStateStore(() => clock.nowMs());
    let up = false;
    store.healthy = () => up;
    const s = settings(clock, store);
    const qcfg = quarantineConfig({ sink: 'none', protected_namespaces: [] });
    const cfg = { ...LP_DEFAULTS, learn_secs: 3600 };
    const applied: string[] = [];
    const verifier = new LeastPrivilegeVerifier({
      cfg,
      quarantine: qcfg,
      sink: {
        name: 'none',
        apply: async (r) => {
          applied.push(r.metadata.name);
          return { code: 'ok' };
        },
        write: async () => ({ code: 'ok' }),
        delete: async () => ({ code: 'ok' }),
        list: async () => [],
        read: async () => undefined,
        listKind: async () => [],
      },
      audit: new AuditTrail(qcfg, store, clock, s.logger),
      state: store,
      clock,
      metrics: s.metrics,
      logger: pino({ level: 'silent' }),
    });
    const loop = new LeastPrivilegeLoop(verifier, cfg, [], clock, s.logger);
    loop.onEvent(call(WEB, 'orders', ''));
    clock.advance(2 * HOUR);
    await loop.tick();
    expect(applied).toEqual([]); // it might hold enforced policies this process does not know of yet
    up = true;
    await loop.tick();
    expect(applied).toEqual(['meshguard-allow-orders']);
  });
});
