import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ATTACK_SCENARIOS,
  BENIGN_SCENARIOS,
  SCENARIOS,
  planRun,
} from '../../../../pipelines/sources/simulator/index.js';
import { runSimulate } from '../../../../services/cli/simulate.js';

const dir = mkdtempSync(join(tmpdir(), 'meshguard-simulate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('meshguard simulate', () => {
  it('writes NDJSON access logs and a ground-truth file, the same for the same seed', async () => {
    const out = join(dir, 'a.ndjson');
    const labels = join(dir, 'a.json');
    const args = [
      '--duration',
      '15m',
      '--seed',
      '3',
      '--services',
      '12',
      '--rate',
      '20',
      '--scenarios',
      'credential_stuffing,beaconing',
      '--benign',
      'traffic_surge',
      '--start',
      '2025-01-15T09:00:00Z',
      '--labels',
      labels,
    ];
    expect(await runSimulate([...args, '--output', out])).toBe(0);
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(10_000);
    const first = JSON.parse(lines[0] as string) as Record<string, unknown>;
    expect(first.start_time).toMatch(/^2025-01-15T09:00:0\d\.\d{3}Z$/);
    expect(first).toHaveProperty('upstream_cluster');

    const truth = JSON.parse(readFileSync(labels, 'utf8')) as {
      scenarios: Array<{ scenario: string; startMs: number; endMs: number; actor: { principal: string } }>;
    };
    expect(truth.scenarios.map((s) => s.scenario).sort()).toEqual([
      'beaconing',
      'credential_stuffing',
      'traffic_surge',
    ]);
    // 15 minutes: a third of it is baseline before the first scenario, and scenarios do not overlap.
    const start = Date.parse('2025-01-15T09:00:00Z');
    const sorted = [...truth.scenarios].sort((a, b) => a.startMs - b.startMs);
    expect(sorted[0]?.startMs).toBeGreaterThanOrEqual(start + 5 * 60_000);
    for (let i = 1; i < sorted.length; i++)
      expect(sorted[i]?.startMs).toBeGreaterThanOrEqual(sorted[i - 1]?.endMs ?? Infinity);
    expect(new Set(truth.scenarios.map((s) => s.actor.principal)).size).toBe(3);
    // Every scenario's records are in the file, labeled.
    const labelsSeen = new Set(
      lines.map((l) => (JSON.parse(l) as { x_meshguard_label: string }).x_meshguard_label),
    );
    for (const s of truth.scenarios) expect(labelsSeen).toContain(s.scenario);

    const again = join(dir, 'b.ndjson');
    expect(await runSimulate([...args, '--output', again])).toBe(0);
    expect(readFileSync(again, 'utf8')).toBe(readFileSync(out, 'utf8'));
  });

  it("writes stock Istio records with --identity address and nothing but baseline with 'none'", async () => {
    const out = join(dir, 'c.ndjson');
    expect(
      await runSimulate([
        '--duration',
        '60s',
        '--services',
        '12',
        '--identity',
        'address',
        '--scenarios',
        'none',
        '--benign',
        'none',
        '--output',
        out,
      ]),
    ).toBe(0);
    const recs = readFileSync(out, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(recs.length).toBeGreaterThan(1000);
    expect(
      recs.every(
        (r) => !('kubernetes' in r) && !('downstream_peer_uri_san' in r) && r.x_meshguard_label === '',
      ),
    ).toBe(true);
  });

  it('rejects bad usage with a clear message', async () => {
    await expect(runSimulate(['--identity', 'x509'])).rejects.toThrow(/--identity/);
    await expect(runSimulate(['--scenarios', 'sql_injection'])).rejects.toThrow(
      /unknown scenario "sql_injection"/,
    );
    await expect(runSimulate(['--duration', 'soon'])).rejects.toThrow(/not a duration/);
    await expect(runSimulate(['--bogus'])).rejects.toThrow(/bogus/);
  });
});

describe('planRun', () => {
  it('keeps ten minutes of baseline, then spaces every scenario out without overlap', () => {
    const startMs = Date.UTC(2025, 0, 15, 9);
    const { plan, warnings } = planRun({ seed: 1, startMs, durationMs: 8 * 3_600_000 });
    // The default run: every scenario but the slow shapes, which the evaluation plays in runs of their own.
    expect(plan).toHaveLength(ATTACK_SCENARIOS.length + BENIGN_SCENARIOS.length);
    expect(SCENARIOS.length - plan.length).toBe(8);
    expect(warnings).toEqual([]);
    const sorted = [...plan].sort((a, b) => a.atMs - b.atMs);
    expect(sorted[0]?.atMs).toBeGreaterThanOrEqual(startMs + 10 * 60_000);
    for (let i = 1; i < sorted.length; i++)
      expect(sorted[i]?.atMs).toBeGreaterThanOrEqual(sorted[i - 1]?.untilMs ?? Infinity);
    expect(sorted[sorted.length - 1]?.untilMs).toBeLessThanOrEqual(startMs + 8 * 3_600_000);
  });

  it('warns, with the duration needed, when the scenarios do not fit', () => {
    const { plan, warnings } = planRun({ seed: 1, startMs: 0, durationMs: 30 * 60_000 });
    expect(plan).toHaveLength(ATTACK_SCENARIOS.length + BENIGN_SCENARIOS.length);
    expect(warnings[0]).toMatch(/--duration \d+m/);
  });
});
