/**
 * Poisoning the baselines: a host first contacted while meshguard learns (after any start or restart)
 * is only provisionally known, state learned before a restart keeps its real age, and a transfer that
 * grows a little every window cannot teach its own baseline.
 */
import { describe, expect, it } from 'vitest';
import type { MeshEvent } from '../../../pipelines/core/event.js';
import { EntityState } from '../../../pipelines/features/entity-state.js';
import { EwStat } from '../../../pipelines/features/stats.js';
import { ev, merge, principalOf, steady } from '../../helpers/events.js';
import { runEvents } from '../../helpers/pipeline.js';

const T0 = Date.parse('2026-11-02T10:00:00Z');
const MIN = 60_000;
const MB = 1_000_000;
const SVC = (name: string, ns = 'shop') => `${name}.${ns}.svc.cluster.local`;
const ORDERS = principalOf('shop', 'orders');

/** One egress request every `everyMs` from src to host, uploading `bytesUp(t)`. */
function* uploads(
  host: string,
  fromMs: number,
  toMs: number,
  everyMs: number,
  bytesUp: (t: number) => number,
): Generator<MeshEvent> {
  for (let t = fromMs; t < toMs; t += everyMs)
    yield ev({
      src: ORDERS,
      timeMs: t,
      direction: 'outbound',
      egress: true,
      externalHost: host,
      dst: host,
      method: 'PUT',
      path: '/upload',
      bytesUp: Math.round(bytesUp(t)),
      bytesDown: 300,
    });
}

const quiet = { neural: { enabled: false } };

describe('learning-period poisoning', () => {
  it('a host first contacted while learning (as after a restart) is not trusted for a later 3 GB upload', async () => {
    // Learning lasts 120 s from the first event (a fresh start): the attacker touches its host then,
    // lightly, and uploads 3 GB (50 MB a window) ten minutes later.
    const events = merge(
      steady(ORDERS, [SVC('payments'), SVC('catalog')], T0, T0 + 25 * MIN, 2),
      uploads('drop.attacker.example', T0 + 5_000, T0 + 100_000, 10_000, () => 2_000),
      uploads('drop.attacker.example', T0 + 10 * MIN, T0 + 20 * MIN, 1_000, () => 5 * MB),
    );
    const { incidents } = await runEvents(events, quiet);
    const mine = incidents.filter(
      (i) => 'principal' in i.workload && i.workload.principal === ORDERS && i.kind === 'exfiltration',
    );
    expect(mine.length).toBeGreaterThan(0);
    expect(mine[0]!.detectors).toContain('new_external_upload');
    expect(JSON.stringify(mine[0]!.evidence)).toContain('provisionally_known');
  });

  it('a dependency used steadily from learning on raises nothing, even as its uploads vary', async () => {
    const events = merge(
      steady(ORDERS, [SVC('payments'), SVC('catalog')], T0, T0 + 40 * MIN, 2),
      // ~40 KB a second to a payment API throughout, with a daily-shaped swing of ±50 %.
      uploads(
        'api.stripe.com',
        T0 + 500,
        T0 + 40 * MIN,
        1_000,
        (t) => 40_000 * (1 + 0.5 * Math.sin(t / 300_000)),
      ),
    );
    const { incidents } = await runEvents(events, quiet);
    expect(incidents.filter((i) => i.kind === 'exfiltration')).toEqual([]);
  });

  /** A batch job's bucket: a listing (download only) every 30 s, a 4 MB upload every 3.5 minutes. */
  const exportJob = (fromMs: number, toMs: number) =>
    merge(
      uploads('exports.s3.example', fromMs, toMs, 30_000, () => 0),
      uploads('exports.s3.example', fromMs + 1_000, toMs, 210_000, () => 4 * MB),
    );

  it('a job that uploads a few MB every few minutes to a host it used while learning raises nothing', async () => {
    // Its upload windows are far larger than its download-only ones: the allowance is learned from the
    // upload windows and the rate, not from an average that the many download windows drag to nothing.
    const events = merge(
      steady(ORDERS, [SVC('payments'), SVC('catalog')], T0, T0 + 40 * MIN, 2),
      exportJob(T0 + 15_000, T0 + 40 * MIN),
    );
    const { incidents } = await runEvents(events, quiet);
    expect(incidents.filter((i) => i.kind === 'exfiltration')).toEqual([]);
  });

  it('the same host receiving its usual upload every two seconds is found (the allowance runs dry)', async () => {
    // Each window stays below ten times the usual upload window: only the learned rate tells it apart.
    const events = merge(
      steady(ORDERS, [SVC('payments'), SVC('catalog')], T0, T0 + 25 * MIN, 2),
      exportJob(T0 + 15_000, T0 + 10 * MIN),
      uploads('exports.s3.example', T0 + 10 * MIN, T0 + 20 * MIN, 2_000, () => 4 * MB),
    );
    const { incidents } = await runEvents(events, quiet);
    const mine = incidents.filter((i) => i.kind === 'exfiltration');
    expect(mine.length).toBeGreaterThan(0);
    const finding = (mine[0]!.evidence.findings as Array<Record<string, unknown>>)[0]!;
    expect(finding).toMatchObject({ provisionally_known: true, external_host: 'exports.s3.example' });
    expect(Date.parse(mine[0]!.detectedAt) - (T0 + 10 * MIN)).toBeLessThan(2 * MIN);
  });

  it('a host only read from while learning may receive its usual few MB now and then, not a dump', async () => {
    const readsThenUploads = (dump: boolean) =>
      merge(
        steady(ORDERS, [SVC('payments'), SVC('catalog')], T0, T0 + 50 * MIN, 2),
        uploads('exports.s3.example', T0 + 15_000, T0 + 50 * MIN, 30_000, () => 0),
        // From minute 5: a 4 MB object every eight minutes (25 MB over the run).
        uploads('exports.s3.example', T0 + 5 * MIN + 1_000, T0 + 50 * MIN, 8 * MIN, () => 4 * MB),
        dump ? uploads('exports.s3.example', T0 + 30 * MIN, T0 + 32 * MIN, 1_000, () => 5 * MB) : [],
      );
    const usual = await runEvents(readsThenUploads(false), quiet);
    expect(usual.incidents.filter((i) => i.kind === 'exfiltration')).toEqual([]);
    const dumped = await runEvents(readsThenUploads(true), quiet);
    expect(dumped.incidents.filter((i) => i.kind === 'exfiltration').length).toBeGreaterThan(0);
  });

  it('a snapshot keeps what was learned, and its age, across a restart', () => {
    const s = new EntityState(T0);
    const host = s.rememberExternalHost('api.stripe.com', T0 + 1_000, true);
    host.upPerWindow.update(Math.log1p(40_000));
    host.excessUp = 3 * MB;
    host.learnedUp = 6 * MB;
    host.learnedUntilMs = T0 + 120_000;
    host.credit = 250_000;
    host.creditAtMs = T0 + 60_000;
    host.lastContactMs = T0 + 60_000;
    s.recordWindow(T0 + 60_000, 0, 0, 0.7);

    const back = EntityState.fromJSON(JSON.stringify(s));
    expect(back.firstSeenMs).toBe(T0);
    // Learned before the restart: past learning at once, not learning again from the restart.
    expect(back.isLearning(T0 + 10 * MIN, 2 * MIN)).toBe(false);
    const restored = back.externalHost('api.stripe.com')!;
    expect(restored.known).toBe(true);
    expect(restored.firstSeenMs).toBe(T0 + 1_000);
    expect(restored.excessUp).toBe(3 * MB);
    expect(restored.uploadAllowance()).toBeCloseTo(400_000, -2);
    expect(restored.learnedRatePerSec(T0)).toBe(50_000);
    expect([restored.credit, restored.creditAtMs]).toEqual([250_000, T0 + 60_000]);
  });

  it('reads snapshots written before provisional hosts existed', () => {
    const s = new EntityState(T0);
    s.rememberExternalHost('api.stripe.com', T0, true);
    const json = JSON.parse(JSON.stringify(s)) as { x: unknown[][] };
    json.x = json.x.map((h) => h.slice(0, 9));
    const back = EntityState.fromJSON(JSON.stringify(json));
    expect(back.externalHost('api.stripe.com')!.excessUp).toBe(0);
    expect(back.externalHost('api.stripe.com')!.upPerWindow.count).toBe(0);
  });
});

describe('bounded baseline growth', () => {
  it('a learned mean rises by at most the bound per observation, whatever is observed', () => {
    const stat = new EwStat(0.05);
    for (let i = 0; i < 30; i++) stat.update(10);
    const held = stat.updateBounded(20, 0.005);
    expect(stat.mean).toBeCloseTo(10.005, 6);
    expect(held).toBeGreaterThan(9);
    // Falling is never bounded: a quieter edge is learned at once.
    expect(stat.updateBounded(5, 0.005)).toBe(0);
  });

  it('a dump ramping a little every window up to 60 MB a window is found', async () => {
    // The edge to the database carries ~100 KB a window; from minute 5 it grows 3 % a window.
    const rampFrom = T0 + 5 * MIN;
    const perRequest = (t: number) =>
      10_000 * (t < rampFrom ? 1 : Math.min(600, 1.03 ** ((t - rampFrom) / 10_000)));
    const dump = function* (): Generator<MeshEvent> {
      for (let t = T0; t < T0 + 60 * MIN; t += 1_000)
        yield ev({
          src: ORDERS,
          dst: SVC('orders-db', 'data'),
          timeMs: t,
          path: '/query',
          bytesDown: Math.round(perRequest(t)),
        });
    };
    const events = merge(steady(ORDERS, [SVC('payments')], T0, T0 + 60 * MIN, 2), dump());
    const { incidents } = await runEvents(events, quiet);
    const mine = incidents.filter(
      (i) => 'principal' in i.workload && i.workload.principal === ORDERS && i.kind === 'exfiltration',
    );
    expect(mine.length).toBeGreaterThan(0);
    // Found well before the ramp reaches its top (600× after ~36 minutes).
    expect(Date.parse(mine[0]!.detectedAt)).toBeLessThan(rampFrom + 36 * MIN);
  });
});
