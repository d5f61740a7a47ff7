/**
 * Request content through the whole pipeline (every registered detector, default config): slow SQL
 * injection answered 200, encoded traversal and query-string XSS are found as unauthorized_access with
 * redacted evidence; a fast vulnerability scanner stays scanning; search boxes with quotes, tokens, long
 * JSON values, UTF-8 and a new API version raise nothing.
 */
import { describe, expect, it } from 'vitest';
import type { MeshEvent } from '../../pipelines/core/event.js';
import type { Incident } from '../../pipelines/core/incident.js';
import { defaultParseOptions, parseLine } from '../../pipelines/parse/index.js';
import { MeshSimulator, type GroundTruth } from '../../pipelines/sources/simulator/index.js';
import { runEvents } from '../helpers/pipeline.js';

const T0 = Date.parse('2026-11-02T08:00:00Z');
const MINUTE = 60_000;

function traffic(
  scenarios: Array<[string, number]>,
  minutes: number,
  seed = 5,
): { events: MeshEvent[]; truth: GroundTruth[]; lines: string[] } {
  const sim = new MeshSimulator({ seed, startMs: T0, services: 16, ratePerSec: 20 });
  const truth = scenarios.map(([name, atMin]) => sim.schedule(name, T0 + atMin * MINUTE));
  const events: MeshEvent[] = [];
  const lines: string[] = [];
  sim.generate(T0, T0 + minutes * MINUTE, (record) => {
    const line = JSON.stringify(record);
    lines.push(line);
    parseLine(line, 'istio-json', defaultParseOptions, (r) => {
      if (!r.ok) throw new Error(r.reason);
      events.push(r.event);
    });
  });
  return { events, truth, lines };
}

const offender = (i: Incident): string =>
  'principal' in i.workload ? i.workload.principal : i.workload.address;

describe.each([
  ['slow_sql_injection', 'sql_injection'],
  ['encoded_traversal', 'path_traversal'],
  ['query_xss', 'cross_site_scripting'],
])('%s', (scenario, detector) => {
  it('is found as unauthorized_access by its content, with redacted evidence', async () => {
    const { events, truth } = traffic([[scenario, 6]], 16);
    const { incidents } = await runEvents(events);
    const t = truth[0]!;
    const mine = incidents.filter((i) => offender(i) === t.actor.principal);
    expect(mine.map((i) => i.kind)).toContain('unauthorized_access');
    const first = mine.find((i) => i.kind === 'unauthorized_access')!;
    expect(first.detectors[0]).toBe(detector);
    // One request every 10 s is enough: found within a few of them.
    expect(Date.parse(first.detectedAt) - t.startMs).toBeLessThan(60_000);
    const finding = (first.evidence.findings as Array<Record<string, unknown>>)[0]!;
    expect(finding.answered).toHaveProperty('200');
    const samples = finding.samples as string[];
    expect(samples.length).toBeGreaterThan(0);
    for (const s of samples) expect(s).toMatch(/=<(sql|traversal|xss|null_byte):[a-z_]+>|<traversal:/);
    // Never a raw payload in the incident.
    const text = JSON.stringify(mine);
    for (const raw of ['passwd', 'alert(', 'UNION', 'OR+', "'1'='1", '%27', 'script>'])
      expect(text).not.toContain(raw);
    // Nobody else is blamed.
    expect(incidents.filter((i) => offender(i) !== t.actor.principal)).toEqual([]);
  }, 60_000);
});

describe('a fast vulnerability scanner', () => {
  it('stays scanning', async () => {
    const { events, truth } = traffic([['vulnerability_scanner', 6]], 12);
    const { incidents } = await runEvents(events);
    const mine = incidents.filter((i) => offender(i) === truth[0]!.actor.principal);
    expect(mine.length).toBeGreaterThan(0);
    expect(mine[0]!.kind).toBe('scanning');
  }, 60_000);
});

describe('benign hard cases', () => {
  it('search boxes with quotes, base64 tokens, long JSON values, UTF-8 and a new API version raise nothing', async () => {
    const { events, truth } = traffic([['search_hard_cases', 4]], 28);
    const { incidents } = await runEvents(events);
    const actor = truth[0]!.actor.principal;
    expect(
      events.filter((e) => e.label === 'search_hard_cases' && e.query.includes('%27')).length,
    ).toBeGreaterThan(100);
    expect(incidents.filter((i) => offender(i) === actor)).toEqual([]);
    const names = new Set(['sql_injection', 'path_traversal', 'cross_site_scripting', 'request_injection']);
    expect(incidents.filter((i) => i.detectors.some((d) => names.has(d)))).toEqual([]);
  }, 60_000);
});
