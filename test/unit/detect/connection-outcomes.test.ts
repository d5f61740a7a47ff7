/**
 * The checks that read connection outcomes rather than HTTP statuses: port and host sweeps
 * (connection_sweep), password guessing over TCP (session_burst) and one oversized flow
 * (single_flow_volume), each against its benign look-alike, through the whole pipeline.
 */
import { describe, expect, it } from 'vitest';
import { ev, merge, principalOf, steady } from '../../helpers/events.js';
import { runEvents } from '../../helpers/pipeline.js';
import type { MeshEvent } from '../../../pipelines/core/event.js';
import type { Incident } from '../../../pipelines/core/incident.js';

const T0 = Date.parse('2026-11-02T10:00:00Z');
const MIN = 60_000;
const FRONTEND = principalOf('shop', 'frontend');
const CART = principalOf('shop', 'cart');
const REPORTS = principalOf('analytics', 'reports');
const SVC = (name: string, ns = 'shop') => `${name}.${ns}.svc.cluster.local`;
const ATTACK_AT = T0 + 10 * MIN;

function mesh(extra: MeshEvent[], tail = 5): MeshEvent[] {
  const end = T0 + (10 + tail) * MIN;
  return merge(
    steady(FRONTEND, [SVC('orders'), SVC('catalog')], T0, end, 5),
    steady(CART, [SVC('orders'), SVC('payments', 'payments')], T0, end, 3),
    steady(REPORTS, [SVC('warehouse', 'analytics')], T0, end, 2, { bytesDown: 3000 }),
    extra,
  );
}

const tcp = (o: Partial<MeshEvent> & { timeMs: number; src: string }): MeshEvent =>
  ev({ method: '', path: '', status: 0, protocol: '', direction: 'outbound', ...o });

function every(count: number, fromMs: number, spacingMs: number, make: (i: number, t: number) => MeshEvent) {
  return Array.from({ length: count }, (_, i) => make(i, fromMs + i * spacingMs));
}

describe('connection_sweep', () => {
  it('calls a port sweep with refused connections scanning, not unauthorized access', async () => {
    const sweep = every(300, ATTACK_AT, 200, (i, t) =>
      tcp({
        src: CART,
        timeMs: t,
        dst: '10.8.3.21',
        egress: true,
        externalHost: '10.8.3.21',
        upstreamCluster: 'PassthroughCluster',
        dstPort: 1 + i,
        responseFlags: 'UF',
        bytesUp: 0,
        bytesDown: 0,
        durationMs: 1,
      }),
    );
    const { incidents } = await runEvents(mesh(sweep));
    expect(incidents.map((i) => i.kind)).toEqual(['scanning']);
    expect(incidents[0]!.detectors[0]).toBe('connection_sweep');
    const f = (incidents[0]!.evidence.findings as Array<Record<string, unknown>>)[0]!;
    expect(f).toMatchObject({ sweep: 'ports', distinct_hosts: 1 });
    expect(Date.parse(incidents[0]!.detectedAt) - ATTACK_AT).toBeLessThan(20_000);
  });

  it('finds a host sweep in HTTP logs by its failure flags (503 UH / NR)', async () => {
    const sweep = every(120, ATTACK_AT, 400, (i, t) =>
      ev({
        src: FRONTEND,
        timeMs: t,
        direction: 'outbound',
        dst: SVC(`svc-${i}`, `ns-${i % 7}`),
        dstPort: 8080,
        status: i % 2 ? 503 : 404,
        responseFlags: i % 2 ? 'UH' : 'NR',
        bytesDown: 0,
      }),
    );
    const { incidents } = await runEvents(mesh(sweep));
    expect(incidents.map((i) => i.kind)).toContain('scanning');
    expect(incidents.flatMap((i) => i.detectors)).toContain('connection_sweep');
  });

  it('stays quiet when the destinations a source always calls go down (outage)', async () => {
    const outage = every(600, ATTACK_AT, 100, (i, t) =>
      ev({
        src: FRONTEND,
        timeMs: t,
        dst: i % 2 ? SVC('orders') : SVC('catalog'),
        dstPort: 8080,
        status: 503,
        responseFlags: i % 3 ? 'UF,URX' : 'UH',
        bytesDown: 0,
      }),
    );
    const { incidents } = await runEvents(mesh(outage));
    expect(incidents).toEqual([]);
  });
});

describe('session_burst', () => {
  const ssh = (t: number, i: number) =>
    tcp({
      src: CART,
      timeMs: t,
      dst: SVC('bastion', 'ops'),
      dstPort: 22,
      bytesUp: 1480 + (i % 2),
      bytesDown: 2230,
      durationMs: 900 + (i % 5) * 40,
    });

  it('calls a burst of short, small TCP sessions to one service password guessing', async () => {
    const guesses = every(400, ATTACK_AT, 250, (i, t) => ssh(t, i));
    const { incidents } = await runEvents(mesh(guesses));
    expect(incidents.map((i) => i.kind)).toEqual(['unauthorized_access']);
    expect(incidents[0]!.detectors).toContain('session_burst');
    const f = (incidents[0]!.evidence.findings as Array<Record<string, unknown>>).find(
      (x) => x.detector === 'session_burst',
    )!;
    expect(f).toMatchObject({ destination: SVC('bastion', 'ops'), repeated_exchange: true });
    expect(incidents[0]!.severity).not.toBe('low');
  });

  it('stays quiet on a TCP client that always opens short sessions at that rate', async () => {
    const end = T0 + 15 * MIN;
    const usual = every(Math.floor((end - T0) / 300), T0, 300, (i, t) => ssh(t, i));
    const { incidents } = await runEvents(mesh(usual));
    expect(incidents).toEqual([]);
  });

  /**
   * What an L4-only sensor (ztunnel) shows of an HTTP client without keep-alive: every request is its own
   * short, small session, sizes varying with what was asked and answered.
   */
  const l4Request = (src: string, dst: string) => (i: number, t: number) =>
    tcp({
      src,
      timeMs: t,
      dst,
      dstPort: 8080,
      bytesUp: 300 + ((i * 7919) % 900),
      bytesDown: 1_000 + ((i * 104_729) % 9_000),
      durationMs: 5 + (i % 40),
    });

  it('stays quiet on an L4 sensor where every request of a busy client is a connection', async () => {
    // First seen a moment after meshguard started: its own learning ends a window after the warm-up.
    const start = T0 + 1500;
    const end = T0 + 15 * MIN;
    const web = principalOf('shop', 'web');
    const requests = every(Math.floor((end - start) / 250), start, 250, l4Request(web, SVC('orders')));
    const { incidents } = await runEvents(mesh(requests));
    expect(incidents).toEqual([]);
  });

  it('stays quiet on a surge of the usual requests over such a sensor (more of the mix, not one exchange)', async () => {
    const usual = every(Math.floor((10 * MIN) / 1000), T0, 1000, l4Request(CART, SVC('bastion', 'ops')));
    const surge = every(Math.floor((5 * MIN) / 125), ATTACK_AT, 125, l4Request(CART, SVC('bastion', 'ops')));
    const { incidents } = await runEvents(mesh([...usual, ...surge]));
    expect(incidents.filter((i) => i.kind === 'unauthorized_access')).toEqual([]);
  });

  it('still calls guessing against an edge the source already used over such a sensor', async () => {
    const usual = every(Math.floor((15 * MIN) / 1000), T0, 1000, l4Request(CART, SVC('bastion', 'ops')));
    // Ten a second against its usual one: the guesses, not the whole edge, are ten times its rate.
    const guesses = every(1200, ATTACK_AT, 100, (i, t) => ssh(t, i));
    const { incidents } = await runEvents(mesh([...usual, ...guesses]));
    expect(incidents.map((i) => i.kind)).toEqual(['unauthorized_access']);
    expect(incidents[0]!.detectors).toContain('session_burst');
  });

  it('stays quiet when a database refuses every connection (failed sessions are not guesses)', async () => {
    const refused = every(400, ATTACK_AT, 250, (_i, t) =>
      tcp({
        src: CART,
        timeMs: t,
        dst: SVC('orders'),
        dstPort: 5432,
        responseFlags: 'UF',
        bytesUp: 0,
        bytesDown: 0,
      }),
    );
    const { incidents } = await runEvents(mesh(refused));
    expect(incidents.filter((i) => i.kind === 'unauthorized_access')).toEqual([]);
  });
});

describe('single_flow_volume', () => {
  it('calls one 7.5 MB read from a server that answers a few KB exfiltration on first sight', async () => {
    const read = [
      tcp({
        src: REPORTS,
        timeMs: ATTACK_AT + 3000,
        dst: SVC('warehouse', 'analytics'),
        bytesDown: 7_500_000,
        bytesUp: 400,
        durationMs: 4000,
      }),
    ];
    const { incidents } = await runEvents(mesh(read));
    expect(incidents.map((i) => i.kind)).toEqual(['exfiltration']);
    expect(incidents[0]!.detectors).toEqual(['single_flow_volume']);
    expect(incidents[0]!.severity).toMatch(/high|critical/);
  });

  it('grades a rarer flow more severe', async () => {
    const end = T0 + 15 * MIN;
    const read = (bytes: number) =>
      merge(
        steady(FRONTEND, [SVC('orders')], T0, end, 5),
        steady(REPORTS, [SVC('warehouse', 'analytics')], T0, end, 2, { bytesDown: 30_000 }),
        [
          ev({
            src: REPORTS,
            timeMs: ATTACK_AT + 3000,
            dst: SVC('warehouse', 'analytics'),
            bytesDown: bytes,
          }),
        ],
      );
    const small = (await runEvents(read(6_000_000))).incidents;
    const large = (await runEvents(read(200_000_000))).incidents;
    expect(small.map((i) => i.severity)).toEqual(['medium']);
    expect(large.map((i) => i.severity)).toEqual(['high']);
  });

  it('stays quiet on an edge that already moved windows that large', async () => {
    const end = T0 + 15 * MIN;
    const heavy = merge(
      steady(FRONTEND, [SVC('orders')], T0, end, 5),
      steady(REPORTS, [SVC('warehouse', 'analytics')], T0, end, 1, { bytesDown: 900_000 }),
      [
        ev({
          src: REPORTS,
          timeMs: ATTACK_AT + 3000,
          dst: SVC('warehouse', 'analytics'),
          bytesDown: 7_500_000,
        }),
      ],
    );
    const { incidents } = await runEvents(heavy);
    expect(incidents).toEqual([]);
  });

  // A caller with no baseline of its own is judged by what the destination answers all its callers.
  const LEDGER = principalOf('analytics', 'ledger');
  const offender = (i: Incident): string =>
    'principal' in i.workload ? i.workload.principal : i.workload.address;
  const dumpBy = (src: string, atMs: number) =>
    ev({ src, timeMs: atMs, dst: SVC('warehouse', 'analytics'), bytesDown: 7_500_000, durationMs: 4000 });
  const servesLedger = (end: number) =>
    steady(FRONTEND, [SVC('ledger', 'analytics')], T0, end, 1, { dstPrincipal: LEDGER });

  it('calls a dump read by a workload that only ever served traffic exfiltration', async () => {
    const end = T0 + 15 * MIN;
    const events = merge(mesh([]), servesLedger(end), [dumpBy(LEDGER, ATTACK_AT + 3000)]);
    const { incidents } = await runEvents(events);
    expect(incidents.map((i) => `${i.kind} ${offender(i)}`)).toEqual([`exfiltration ${LEDGER}`]);
    const f = (incidents[0]!.evidence.findings as Array<Record<string, unknown>>)[0]!;
    expect(f).toMatchObject({ baseline_of: 'destination (what it answers all its callers)' });
    expect(f.usual_bytes_per_request).toBeLessThan(10_000);
  });

  it('calls a dump read as the very first request of a new workload exfiltration', async () => {
    const NEWCOMER = principalOf('analytics', 'newcomer');
    const { incidents } = await runEvents(mesh([dumpBy(NEWCOMER, ATTACK_AT + 3000)]));
    expect(incidents.map((i) => `${i.kind} ${i.detectors[0]} ${offender(i)}`)).toEqual([
      `exfiltration single_flow_volume ${NEWCOMER}`,
    ]);
  });

  it('stays quiet when the destination already served flows that large to another caller', async () => {
    const end = T0 + 15 * MIN;
    const BACKUP = principalOf('ops', 'backup');
    const events = merge(
      mesh([]),
      servesLedger(end),
      // The nightly backup reads 8 MB at a time from the start: the server's largest answers.
      every(6, T0 + 30_000, MIN, (_, t) =>
        ev({ src: BACKUP, timeMs: t, dst: SVC('warehouse', 'analytics'), bytesDown: 8_000_000 }),
      ),
      [dumpBy(LEDGER, ATTACK_AT + 3000)],
    );
    const { incidents } = await runEvents(events);
    expect(incidents.filter((i) => offender(i) === LEDGER)).toEqual([]);
  });
});
