/**
 * slow_and_low: attacks one request every 10 s, which no window shows, are found by accumulating
 * evidence across windows; the same evidence as a burst, a repeat or a stray stays quiet. Hand-built
 * traffic through the whole pipeline in event time, and the accumulator's arithmetic alone.
 */
import { describe, expect, it } from 'vitest';
import type { MeshEvent } from '../../../pipelines/core/event.js';
import { Accumulators } from '../../../pipelines/detect/slow-and-low/accumulator.js';
import { EntityState } from '../../../pipelines/features/entity-state.js';
import { ev, merge, principalOf, steady } from '../../helpers/events.js';
import { runEvents } from '../../helpers/pipeline.js';

const T0 = Date.parse('2026-11-02T10:00:00Z');
const MIN = 60_000;
const FRONTEND = principalOf('shop', 'frontend');
const CART = principalOf('shop', 'cart');
const SVC = (name: string, ns = 'shop') => `${name}.${ns}.svc.cluster.local`;
const ATTACK_AT = T0 + 10 * MIN;
const SLOW_NAMES = ['slow_denials', 'slow_path_scan', 'slow_sweep'];

/** Ten minutes of normal traffic from two workloads, then `tail` minutes more with the extra events. */
function mesh(extra: MeshEvent[], tail = 12): MeshEvent[] {
  const end = T0 + (10 + tail) * MIN;
  return merge(
    steady(FRONTEND, [SVC('orders'), SVC('catalog')], T0, end, 5),
    steady(CART, [SVC('orders'), SVC('payments', 'payments')], T0, end, 3),
    extra,
  );
}

/** One event every `periodMs` from ATTACK_AT for `minutes`, with a little jitter. */
function every(periodMs: number, minutes: number, make: (i: number, t: number) => MeshEvent): MeshEvent[] {
  const n = Math.floor((minutes * MIN) / periodMs);
  return Array.from({ length: n }, (_, i) => make(i, ATTACK_AT + i * periodMs + ((i * 7919) % 1000)));
}

const refusedProbe = (src: string, host: string, port: number, t: number): MeshEvent =>
  ev({
    src,
    dst: host,
    dstPort: port,
    timeMs: t,
    direction: 'outbound',
    method: '',
    path: '',
    status: 0,
    responseFlags: 'UF',
    bytesUp: 0,
    bytesDown: 0,
    durationMs: 1,
  });

const slowIncidents = (incidents: Awaited<ReturnType<typeof runEvents>>['incidents']) =>
  incidents.filter((i) => i.detectors.some((d) => SLOW_NAMES.includes(d)));

describe('slow_and_low finds what no window shows', () => {
  it('a refused login every 10 s: unauthorized_access from slow_denials within minutes, no burst detector', async () => {
    const guesses = every(10_000, 10, (_i, t) =>
      ev({
        src: CART,
        dst: SVC('identity', 'identity'),
        timeMs: t,
        method: 'POST',
        path: '/login',
        status: 401,
      }),
    );
    const { incidents } = await runEvents(mesh(guesses));
    expect(incidents.length).toBeGreaterThan(0);
    for (const i of incidents) expect(i.workload).toMatchObject({ principal: CART });
    const first = incidents[0]!;
    expect(first.kind).toBe('unauthorized_access');
    expect(first.detectors).toEqual(['slow_denials']);
    expect(Date.parse(first.detectedAt) - ATTACK_AT).toBeLessThan(4 * MIN);
    const finding = (first.evidence.findings as Array<Record<string, unknown>>)[0]!;
    expect(finding.destinations).toEqual([SVC('identity', 'identity')]);
    expect(finding.evidence_type).toBe('denials');
    expect(String(first.evidence.summary)).toMatch(/refused requests/);
    // As evidence keeps coming the incident grows more severe, up to medium: slow evidence alone is
    // never as certain as a burst.
    expect(incidents.map((i) => i.severity)).toEqual(['low', 'medium']);
  });

  it('a wordlist scan every 10 s answered 404: scanning from slow_path_scan', async () => {
    const words = [
      '/.env',
      '/admin',
      '/wp-login.php',
      '/actuator/env',
      '/.git/config',
      '/backup.zip',
      '/db.sql',
    ];
    const scan = every(10_000, 10, (i, t) =>
      ev({
        src: FRONTEND,
        dst: SVC('catalog'),
        timeMs: t,
        path: `${words[i % words.length]!}${i}`,
        status: 404,
      }),
    );
    const { incidents } = await runEvents(mesh(scan));
    const found = incidents.find((i) => i.kind === 'scanning');
    expect(found?.detectors).toEqual(['slow_path_scan']);
    expect(Date.parse(found!.detectedAt) - ATTACK_AT).toBeLessThan(4 * MIN);
    expect(incidents.filter((i) => i.kind !== 'scanning')).toEqual([]);
  });

  it('a port sweep one port every 10 s: scanning from slow_sweep', async () => {
    const sweep = every(10_000, 10, (i, t) => refusedProbe(CART, 'ip:10.8.3.7', 1000 + i, t));
    const { incidents } = await runEvents(mesh(sweep));
    const found = incidents.find((i) => i.detectors.includes('slow_sweep'));
    expect(found?.kind).toBe('scanning');
    expect(Date.parse(found!.detectedAt) - ATTACK_AT).toBeLessThan(4 * MIN);
  });
});

describe('slow_and_low stays quiet on benign look-alikes', () => {
  it('a client retrying one refused address every 10 s', async () => {
    const retries = every(10_000, 12, (_i, t) => refusedProbe(CART, 'ip:10.8.9.9', 5432, t));
    expect(slowIncidents((await runEvents(mesh(retries))).incidents)).toEqual([]);
  });

  it('a poller asking for one removed endpoint every 10 s', async () => {
    const polls = every(10_000, 12, (_i, t) =>
      ev({ src: FRONTEND, dst: SVC('catalog'), timeMs: t, path: '/api/v1/legacy-status', status: 404 }),
    );
    expect(slowIncidents((await runEvents(mesh(polls))).incidents)).toEqual([]);
  });

  it('a few stray refusals, and one burst just under denial_burst, spread over twelve minutes', async () => {
    const strays = [1, 4, 7, 11].map((m) =>
      ev({ src: CART, dst: SVC('orders'), timeMs: ATTACK_AT + m * MIN, status: 403 }),
    );
    const burst = Array.from({ length: 8 }, (_, i) =>
      ev({ src: CART, dst: SVC('orders'), timeMs: ATTACK_AT + 5 * MIN + i * 500, status: 401 }),
    );
    expect((await runEvents(mesh([...strays, ...burst]))).incidents).toEqual([]);
  });
});

describe('Accumulators', () => {
  const acc = new Accumulators(
    [
      { horizonSecs: 60, minEvents: 15 },
      { horizonSecs: 600, minEvents: 30 },
    ],
    12,
  );
  const quiet = { count: 0, expected: 0, firstMs: Number.MAX_SAFE_INTEGER };

  it('a burst of any size counts only as much as a window of the alternative rate', () => {
    const v = acc.step(
      undefined,
      [{ count: 500, expected: 0, firstMs: T0 }, quiet, quiet, quiet],
      T0 + 10_000,
      10,
    )!;
    // 1 min: δ = 2.5, λ0 = δ/4, λ1 = 1.25 δ, x capped at ⌈λ1⌉ = 4: 4 ln 5 − δ.
    expect(acc.stat(v, 0, 0)).toBeCloseTo(4 * Math.log(5) - 2.5, 6);
    expect(acc.strongest(v, 0).llr).toBeLessThan(acc.decision);
    expect(acc.events(v, 0)).toBe(500);
    expect(acc.firstMs(v, 0)).toBe(T0);
  });

  it('decays over the windows a source was silent, and is dropped once back at zero', () => {
    const v = acc.step(
      undefined,
      [{ count: 1, expected: 0, firstMs: T0 }, quiet, quiet, quiet],
      T0 + 10_000,
      10,
    )!;
    expect(acc.stat(v, 0, 1)).toBeGreaterThan(0);
    // Ten silent windows later every accumulator is back at zero: nothing is kept.
    expect(acc.step(v, [quiet, quiet, quiet, quiet], T0 + 120_000, 10)).toBeUndefined();
  });

  it('a source whose baseline expects the evidence accumulates nothing from it', () => {
    let v: number[] | undefined;
    for (let w = 1; w <= 60; w++)
      v = acc.step(v, [{ count: 2, expected: 2, firstMs: T0 }, quiet, quiet, quiet], T0 + w * 10_000, 10);
    expect(v === undefined || acc.strongest(v, 0).llr < acc.decision / 2).toBe(true);
  });

  it('remembers the last failed targets, so a retried address counts once', () => {
    const v = acc.empty();
    expect(Accumulators.seenTarget(v, 42)).toBe(false);
    expect(Accumulators.seenTarget(v, 42)).toBe(true);
    for (const h of [1, 2, 3, 4]) Accumulators.seenTarget(v, h);
    expect(Accumulators.seenTarget(v, 42)).toBe(false); // pushed out by four newer targets
  });

  it('stored numbers of another layout (other scales) are not read', () => {
    expect(acc.fits(acc.empty())).toBe(true);
    expect(acc.fits(new Accumulators([{ horizonSecs: 60, minEvents: 15 }], 12).empty())).toBe(false);
    expect(acc.fits(undefined)).toBe(false);
  });
});

describe('accumulators in the entity snapshot', () => {
  it('round-trip with the entity, and a snapshot without them reads as none', () => {
    const s = new EntityState(T0);
    expect(JSON.parse(JSON.stringify(s))).not.toHaveProperty('s');
    s.accumulators = [T0, 1, 2, 3.5];
    const copy = EntityState.fromJSON(JSON.stringify(s));
    expect(copy.accumulators).toEqual([T0, 1, 2, 3.5]);
    expect(EntityState.fromJSON(JSON.stringify(new EntityState(T0))).accumulators).toBeUndefined();
  });

  it('a snapshot whose accumulators are not numbers is refused', () => {
    const o = JSON.parse(JSON.stringify(new EntityState(T0))) as Record<string, unknown>;
    expect(() => EntityState.fromJSON(JSON.stringify({ ...o, s: [1, 'x'] }))).toThrow(/accumulators/);
    expect(() => EntityState.fromJSON(JSON.stringify({ ...o, s: 'x' }))).toThrow(/accumulators/);
  });
});
