/**
 * Two meshguard replicas (two QuarantineManagers, each with its own Redis connection) against a real
 * redis-server: one offender is quarantined once, the blast-radius cap holds across replicas, and an
 * expired quarantine is released (and announced) once.
 */
import { DEFAULT_CONFIG } from '../../config/defaults.generated.js';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisStateStore } from '../../pipelines/state/redis-state-store.js';
import {
  GitOpsSink,
  QuarantineManager,
  type QuarantineConfig,
} from '../../pipelines/responders/quarantine/index.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';
import {
  ADMIN_URL,
  FakeClock,
  incident,
  quarantineConfig,
  settings,
} from '../unit/responders/quarantine/fixtures.js';

let server: RedisServer;
let dir: string;
const stores: RedisStateStore[] = [];
let prefixSeq = 0;

beforeAll(async () => {
  server = await startRedis();
  dir = await mkdtemp(join(tmpdir(), 'meshguard-redis-q-'));
});
afterAll(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
});

async function replicas(n: number, cfg: Partial<QuarantineConfig> = {}) {
  const clock = new FakeClock();
  const prefix = `mg-q-${++prefixSeq}:`;
  const policiesDir = join(dir, prefix.replace(/:$/, ''));
  const out = [];
  for (let i = 0; i < n; i++) {
    const store = new RedisStateStore(
      { ...DEFAULT_CONFIG.redis, url: server.url, key_prefix: prefix },
      { logger: pino({ level: 'silent' }), maxRetryDelayMs: 200 },
    );
    await store.connect();
    stores.push(store);
    const s = settings(clock, store);
    const sink = new GitOpsSink(policiesDir);
    const m = new QuarantineManager({
      cfg: quarantineConfig({
        mode: 'enforce',
        policies_dir: policiesDir,
        approval_below_severity: 'low',
        ...cfg,
      }),
      settings: s,
      sink,
      adminUrl: ADMIN_URL,
    });
    out.push(m);
  }
  return { managers: out, clock, policiesDir };
}

describe('quarantine across replicas (real Redis)', () => {
  it('acts once for one offender when replicas race', async () => {
    const { managers, policiesDir } = await replicas(3);
    const actions = await Promise.all(managers.map((m) => m.decide(incident())));
    expect(new Set(actions.map((a) => a.policy)).size).toBe(1);
    expect(actions.every((a) => a.type === 'quarantine')).toBe(true);
    expect((await managers[0]!.audit()).filter((e) => e.action === 'quarantine')).toHaveLength(1);
    expect(await readdir(join(policiesDir, 'istio-system'))).toHaveLength(1);
  });

  it('holds the blast-radius cap across replicas', async () => {
    const { managers } = await replicas(2, { max_per_window: 3 });
    const offenders = Array.from({ length: 8 }, (_, i) => ({
      namespace: 'shop',
      serviceAccount: `sa${i}`,
      principal: `spiffe://cluster.local/ns/shop/sa/sa${i}`,
    }));
    const actions = await Promise.all(
      offenders.map((w, i) => managers[i % 2]!.decide(incident({ workload: w }))),
    );
    expect(actions.filter((a) => a.type === 'quarantine' && a.mode !== 'pending-approval')).toHaveLength(3);
    // Past the cap they wait for approval, never alert only.
    const waiting = actions.filter((a) => a.reason?.includes('blast-radius cap'));
    expect(waiting).toHaveLength(5);
    for (const a of waiting) expect(a.mode).toBe('pending-approval');
  });

  it('releases an expired quarantine once, from whichever replica gets there first', async () => {
    const { managers, clock, policiesDir } = await replicas(2, { ttl_secs: 60 });
    let announced = 0;
    for (const m of managers) m.onRelease(() => announced++);
    await managers[0]!.decide(incident());
    clock.advance(60_000);
    const released = await Promise.all(managers.map((m) => m.expireDue(clock.nowMs())));
    expect(released.flat()).toHaveLength(1);
    expect(announced).toBe(1);
    expect(await readdir(join(policiesDir, 'istio-system'))).toEqual([]);
    expect((await managers[1]!.list())[0]!.state).toBe('released');
  });
});
