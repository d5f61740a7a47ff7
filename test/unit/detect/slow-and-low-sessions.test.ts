/**
 * slow_and_low on shapes its first evidence types missed: password guessing over plain TCP one session
 * every 15 s (slow_session_guessing), and a wordlist walked by a source whose own paths name objects the
 * templater cannot see as ids (SKU-19448), so that it opens failing "new routes" all day. Hand-built
 * traffic through the whole pipeline in event time; the benign look-alikes stay quiet.
 */
import { describe, expect, it } from 'vitest';
import type { MeshEvent } from '../../../pipelines/core/event.js';
import { namesObject } from '../../../pipelines/detect/slow-and-low/evidence.js';
import { ev, merge, principalOf, steady } from '../../helpers/events.js';
import { runEvents } from '../../helpers/pipeline.js';

const T0 = Date.parse('2026-11-02T10:00:00Z');
const MIN = 60_000;
const FRONTEND = principalOf('shop', 'frontend');
const CART = principalOf('shop', 'cart');
const SVC = (name: string, ns = 'shop') => `${name}.${ns}.svc.cluster.local`;
const ATTACK_AT = T0 + 10 * MIN;
const SLOW_NAMES = ['slow_denials', 'slow_path_scan', 'slow_sweep', 'slow_session_guessing'];

function mesh(extra: MeshEvent[], tail = 15, frontend: Iterable<MeshEvent> = []): MeshEvent[] {
  const end = T0 + (10 + tail) * MIN;
  return merge(
    steady(FRONTEND, [SVC('orders'), SVC('catalog')], T0, end, 5),
    steady(CART, [SVC('orders'), SVC('payments', 'payments')], T0, end, 3),
    frontend,
    extra,
  );
}

/** One event every `periodMs` from `from` for `minutes`, with a little jitter. */
function every(
  periodMs: number,
  minutes: number,
  make: (i: number, t: number) => MeshEvent,
  from = ATTACK_AT,
): MeshEvent[] {
  const n = Math.floor((minutes * MIN) / periodMs);
  return Array.from({ length: n }, (_, i) => make(i, from + i * periodMs + ((i * 7919) % 1000)));
}

/** A plain TCP session (no HTTP status) of the given size and duration. */
const session = (src: string, dst: string, t: number, up: number, down: number, ms: number): MeshEvent =>
  ev({ src, dst, timeMs: t, method: '', path: '', status: 0, bytesUp: up, bytesDown: down, durationMs: ms });

const slowIncidents = (incidents: Awaited<ReturnType<typeof runEvents>>['incidents']) =>
  incidents.filter((i) => i.detectors.some((d) => SLOW_NAMES.includes(d)));

describe('slow_session_guessing', () => {
  it('an SSH-like login every 15 s to a service never called: unauthorized_access within minutes', async () => {
    const guesses = every(15_000, 12, (i, t) =>
      session(
        CART,
        SVC('postgres', 'data'),
        t,
        1_460 + (i % 7) * 5,
        2_230 + (i % 5) * 7,
        900 + (i % 9) * 100,
      ),
    );
    const { incidents } = await runEvents(mesh(guesses));
    const found = incidents.find((i) => i.detectors.includes('slow_session_guessing'));
    expect(found?.kind).toBe('unauthorized_access');
    expect(found!.workload).toMatchObject({ principal: CART });
    expect(Date.parse(found!.detectedAt) - ATTACK_AT).toBeLessThan(5 * MIN);
    const finding = (found!.evidence.findings as Array<Record<string, unknown>>).find(
      (f) => f.detector === 'slow_session_guessing',
    )!;
    expect(finding.evidence_type).toBe('guessed_sessions');
    expect(finding.destinations).toEqual([SVC('postgres', 'data')]);
    // No burst detector sees one session every 15 s.
    expect(incidents.flatMap((i) => i.detectors)).not.toContain('session_burst');
  });

  it('a client of a new service whose sessions do real work (varied, some long or large) stays quiet', async () => {
    const sizes = [900, 4_200, 15_000, 2_600, 40_000, 7_300, 1_200, 11_000];
    const uses = every(5_000, 15, (i, t) =>
      session(
        CART,
        SVC('redis', 'data'),
        t,
        300 + (i % 3) * 200,
        sizes[i % sizes.length]!,
        i % 4 === 0 ? 9_000 : 40,
      ),
    );
    expect(slowIncidents((await runEvents(mesh(uses))).incidents)).toEqual([]);
  });

  it('a health check of one port every 10 s on an edge of its baseline is not counted', async () => {
    const checks = every(10_000, 25, (_i, t) => session(CART, SVC('postgres', 'data'), t, 64, 128, 3), T0);
    expect(slowIncidents((await runEvents(mesh(checks))).incidents)).toEqual([]);
  });
});

describe('slow_session_guessing behind L4-only sensors (ztunnel)', () => {
  /** Every call is a short TCP session, as ztunnel logs HTTP: no record has a status. */
  const L4 = { method: '', path: '', status: 0, bytesUp: 300, bytesDown: 2_000, durationMs: 5 };
  const l4Mesh = (extra: MeshEvent[]): MeshEvent[] => {
    const end = T0 + 25 * MIN;
    return merge(
      steady(FRONTEND, [SVC('orders'), SVC('catalog')], T0, end, 5, L4),
      steady(CART, [SVC('orders'), SVC('payments', 'payments')], T0, end, 3, L4),
      extra,
    );
  };

  it("a new dependency's calls, one exchange every 10 s, are first calls, not guesses", async () => {
    const calls = every(10_000, 15, (i, t) =>
      session(CART, SVC('pricing', 'catalog'), t, 420 + (i % 3), 1_800 + (i % 5), 6),
    );
    expect(slowIncidents((await runEvents(l4Mesh(calls))).incidents)).toEqual([]);
  });
});

describe('slow_path_scan from a source whose paths name objects', () => {
  /** The frontend asks for products by SKU (not templated as ids); one in twelve is gone (404). */
  const products = every(
    500,
    25,
    (i, t) =>
      ev({
        src: FRONTEND,
        dst: SVC('catalog'),
        timeMs: t,
        path: `/api/v1/products/SKU-${10_000 + ((i * 7919) % 90_000)}`,
        status: i % 12 === 0 ? 404 : 200,
      }),
    T0,
  );

  it('its own failing SKUs raise nothing', async () => {
    expect(slowIncidents((await runEvents(mesh([], 15, products))).incidents)).toEqual([]);
  });

  it('a wordlist walked one path every 10 s among them is found as scanning', async () => {
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
        dst: SVC('orders'),
        timeMs: t,
        path: `${words[i % words.length]!}.${i}`,
        status: 404,
      }),
    );
    const { incidents } = await runEvents(mesh(scan, 15, products));
    const found = incidents.find((i) => i.detectors.includes('slow_path_scan'));
    expect(found?.kind).toBe('scanning');
    expect(Date.parse(found!.detectedAt) - ATTACK_AT).toBeLessThan(5 * MIN);
  });

  it('namesObject: a literal segment with three digits or more names an object, a version does not', () => {
    expect(namesObject('/api/v1/products/SKU-19448')).toBe(true);
    expect(namesObject('/api/v1/products/SKU-19448/availability')).toBe(true);
    expect(namesObject('/api/v1/orders/{id}')).toBe(false);
    expect(namesObject('/v2/api-docs')).toBe(false);
    expect(namesObject('/.env')).toBe(false);
  });
});
