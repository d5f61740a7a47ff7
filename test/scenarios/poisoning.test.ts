/**
 * Poisoning through the whole pipeline (simulated Istio JSON lines → replay): a host touched while
 * meshguard learns and a dump that ramps a little every window are both found, and the benign hard
 * cases that move volume (flash sale, cache flush, surges, a new dependency) still raise nothing above low.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../config/validate.js';
import type { Incident } from '../../pipelines/core/incident.js';
import { MeshSimulator, type GroundTruth } from '../../pipelines/sources/simulator/index.js';
import { replay } from '../../services/cli/replay.js';

const dir = mkdtempSync(join(tmpdir(), 'meshguard-poisoning-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const T0 = Date.parse('2026-11-02T08:00:00Z');
const MIN = 60_000;

/** Simulate `minutes` of traffic with each scenario at its minute, replay it, return the incidents. */
async function run(
  name: string,
  scenarios: Array<[scenario: string, atMinute: number]>,
  minutes: number,
): Promise<{ truth: GroundTruth[]; incidents: Incident[] }> {
  const sim = new MeshSimulator({ seed: 11, startMs: T0, services: 24, ratePerSec: 20 });
  const truth = scenarios.map(([s, at]) => sim.schedule(s, T0 + at * MIN));
  const lines: string[] = [];
  sim.generate(T0, T0 + minutes * MIN, (r) => lines.push(JSON.stringify(r)));
  const file = join(dir, `${name}.jsonl`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  const cfg = resolveConfig({
    log_level: 'silent',
    neural: { enabled: false },
    alerts: { channels: [] },
    quarantine: { sink: 'none' },
  });
  const incidentsPath = join(dir, `${name}-incidents.jsonl`);
  await replay(cfg, { input: file, format: 'auto', incidentsPath });
  const incidents = readFileSync(incidentsPath, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Incident);
  return { truth, incidents };
}

const offender = (i: Incident): string =>
  'principal' in i.workload ? i.workload.principal : i.workload.address;

describe('poisoning the baselines', () => {
  it('learning_period_poisoning: the host touched while learning is not trusted for the later upload', async () => {
    // At the very start: the priming falls in the learning period of a freshly (re)started meshguard.
    const { truth, incidents } = await run('learning', [['learning_period_poisoning', 0]], 22);
    const t = truth[0]!;
    const mine = incidents.filter((i) => offender(i) === t.actor.principal && i.kind === 'exfiltration');
    expect(mine.length, JSON.stringify(incidents.map((i) => [offender(i), i.kind]))).toBeGreaterThan(0);
    expect(JSON.stringify(mine[0]!.evidence)).toContain('provisionally_known');
    // Found within two minutes of the upload starting (ten minutes in).
    expect(Date.parse(mine[0]!.detectedAt) - t.startMs).toBeLessThan(12 * MIN);
  }, 120_000);

  it('ramping_exfiltration: a dump that grows 5 % a window is found before it peaks', async () => {
    const { truth, incidents } = await run('ramp', [['ramping_exfiltration', 5]], 32);
    const t = truth[0]!;
    const mine = incidents.filter((i) => offender(i) === t.actor.principal && i.kind === 'exfiltration');
    expect(mine.length, JSON.stringify(incidents.map((i) => [offender(i), i.kind]))).toBeGreaterThan(0);
    // The ramp reaches ~60 MB a window 22 minutes in.
    expect(Date.parse(mine[0]!.detectedAt) - t.startMs).toBeLessThan(22 * MIN);
  }, 120_000);

  it('benign volume changes still raise nothing above low', async () => {
    const { incidents } = await run(
      'benign',
      [
        ['flash_sale', 8],
        ['traffic_surge', 20],
        ['cache_flush_storm', 28],
        ['rollout_new_dependency', 34],
      ],
      45,
    );
    expect(incidents.filter((i) => i.severity !== 'low')).toEqual([]);
  }, 120_000);
});
