/**
 * The request_content family in the real pipeline on hand-made traffic: what the request model adds to
 * the grammar checks (weak signals judged per service), evidence across windows, one request logged by
 * both sidecars read once, and redaction of the samples.
 */
import { describe, expect, it } from 'vitest';
import type { MeshEvent } from '../../../pipelines/core/event.js';
import type { Incident } from '../../../pipelines/core/incident.js';
import { inspectRequest, valueClass } from '../../../pipelines/detect/request-content/request.js';
import { ev, principalOf } from '../../helpers/events.js';
import { runEvents } from '../../helpers/pipeline.js';

const T0 = Date.parse('2026-11-02T08:00:00Z');
const FRONTEND = principalOf('shop', 'frontend');
const PROBER = principalOf('shop', 'reviews');
const ORDERS = 'orders.shop.svc.cluster.local';
const SEARCH = 'search.shop.svc.cluster.local';

/** Ten minutes of a front end's usual requests: integer ids to orders, free text to search. */
function* usual(untilMs: number): Generator<MeshEvent> {
  const words = ["O'Brien", 'red+shoes', '%22exact+phrase%22', "rock+'n'+roll", 'caf%C3%A9', 'gift'];
  let n = 0;
  for (let t = T0; t < untilMs; t += 100, n++) {
    yield ev({
      timeMs: t,
      src: FRONTEND,
      dst: ORDERS,
      path: '/api/v1/orders',
      query: `id=${1000 + (n % 97)}&page=${n % 5}`,
      requestId: `u${n}`,
    });
    yield ev({
      timeMs: t + 50,
      src: FRONTEND,
      dst: SEARCH,
      path: '/api/v1/search',
      query: `q=${words[n % words.length]}&page=${n % 3}`,
      requestId: `s${n}`,
    });
  }
}

const found = (incidents: Incident[], who: string) =>
  incidents.filter((i) => ('principal' in i.workload ? i.workload.principal : '') === who);

describe('request_content in the pipeline', () => {
  it('weak signals where a service always gets integers, three kinds of them, are found; in its search box they are not', async () => {
    const probes = ["5'", '5%3Cb%3E', 'x'.repeat(1500), "5'", '5%3Cb%3E'];
    const attack = probes.map((q, i) =>
      ev({
        timeMs: T0 + 600_000 + i * 10_000,
        src: PROBER,
        dst: ORDERS,
        path: '/api/v1/orders',
        query: `id=${q}`,
        requestId: `p${i}`,
      }),
    );
    const searches = [0, 1, 2, 3, 4, 5].map((i) =>
      ev({
        timeMs: T0 + 600_000 + i * 10_000,
        src: PROBER,
        dst: SEARCH,
        path: '/api/v1/search',
        query: `q=D%27Angelo+${i}`,
        requestId: `q${i}`,
      }),
    );
    const events = [...usual(T0 + 700_000), ...attack, ...searches].sort((a, b) => a.timeMs - b.timeMs);
    const { incidents } = await runEvents(events);
    const mine = found(incidents, PROBER);
    expect(mine).toHaveLength(1);
    expect(mine[0]!.kind).toBe('unauthorized_access');
    const f = (mine[0]!.evidence.findings as Array<Record<string, unknown>>)[0]!;
    expect(f.destination).toBe(ORDERS);
    expect(f.strong_signals).toBe(0);
    expect(Object.keys(f.signals as object).sort()).toEqual(['markup:tag', 'overlong:value', 'quote:quote']);
    expect(f.model_novelty).toBeGreaterThan(1);
    expect(found(incidents, FRONTEND)).toEqual([]);
  }, 60_000);

  it('without the model, weak signals count for nothing; one strong request is enough, read once when both sidecars log it', async () => {
    const weak = ["5'", '5%3Cb%3E', 'x'.repeat(1500), "5'"].map((q, i) =>
      ev({
        timeMs: T0 + 600_000 + i * 10_000,
        src: PROBER,
        dst: ORDERS,
        path: '/api/v1/orders',
        query: `id=${q}`,
      }),
    );
    const overrides = { detectors: { request_content: { model: { enabled: false } } } };
    expect(
      (
        await runEvents(
          [...usual(T0 + 700_000), ...weak].sort((a, b) => a.timeMs - b.timeMs),
          overrides,
        )
      ).incidents,
    ).toEqual([]);

    // One tautology, logged by both sidecars (same request id): one request, not two, and enough.
    const strong = [0].flatMap((i) =>
      (['outbound', 'inbound'] as const).map((direction) =>
        ev({
          timeMs: T0 + 600_000 + i * 10_000,
          direction,
          src: PROBER,
          dst: ORDERS,
          path: '/api/v1/orders',
          query: `id=1%27+OR+%271%27%3D%271`,
          requestId: `t${i}`,
        }),
      ),
    );
    const { incidents } = await runEvents(
      [...usual(T0 + 700_000), ...strong].sort((a, b) => a.timeMs - b.timeMs),
      overrides,
    );
    const mine = found(incidents, PROBER);
    expect(mine).toHaveLength(1);
    expect(mine[0]!.detectors).toEqual(['sql_injection']);
    expect(Date.parse(mine[0]!.detectedAt)).toBeLessThanOrEqual(T0 + 620_000);
    const f = (mine[0]!.evidence.findings as Array<Record<string, unknown>>)[0]!;
    expect(f.suspicious_requests).toBe(1);
    expect(f.samples).toEqual(['GET /api/v1/orders?id=<sql:tautology>']);
  }, 60_000);
});

describe('redaction and value classes', () => {
  it('shows the route template, keys, classes and hit labels, never a value', () => {
    const r = inspectRequest(
      'GET',
      '/api/v1/items/83121',
      'q=O%27Brien+shoes&id=1%27+UNION+SELECT+pw+FROM+users--&t=eyJhbGciOiJIUzI1NiJ9abcdef',
    );
    expect(r.sample).toBe('GET /api/v1/items/{id}?q=<quote:quote>&id=<sql:union>&t=<token>');
    expect(r.hit).toMatchObject({ family: 'sql', what: 'union', strong: true });
    expect(r.tokens.join(' ')).not.toMatch(/Brien|UNION|eyJ/);
    const path = inspectRequest('GET', '/static/..%2f..%2f..%2fetc%2fpasswd', '');
    expect(path.sample).toBe('GET /static/<traversal:dot_dot_slash>');
    const spread = inspectRequest('GET', '/a/../../etc/passwd', '');
    expect(spread.sample).toBe('GET /a/<traversal:dot_dot_slash>/…');
    const odd = inspectRequest('GET', '/x', '%3Cscript%3E=1');
    expect(odd.sample).toBe('GET /x?<xss:script_tag>');
  });
  it('classes values the way the model sees them', () => {
    expect(
      [
        '42',
        '3.5',
        'true',
        '550e8400-e29b-41d4-a716-446655440000',
        '2026-12-02',
        'shoes',
        'ab_12',
        'red+shoes',
        "O'Brien+x",
        '%7B%22a%22%3A1%7D',
        'https%3A%2F%2Fx.io',
      ].map(valueClass),
    ).toEqual(['int', 'num', 'bool', 'uuid', 'date', 'word', 'token', 'text', 'text+q', 'json', 'url']);
  });
});
