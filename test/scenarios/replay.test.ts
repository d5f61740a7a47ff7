/**
 * End to end: labeled simulated mesh traffic written as Istio JSON lines → `replay` (parser, windows,
 * detectors, fusion, incidents, quarantine in GitOps mode) → incidents and policies on disk.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { resolveConfig } from '../../config/validate.js';
import type { Incident } from '../../pipelines/core/incident.js';
import { simulateInto, type GroundTruth } from '../../pipelines/sources/simulator/index.js';
import { replay } from '../../services/cli/replay.js';

const dir = mkdtempSync(join(tmpdir(), 'meshguard-replay-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const T0 = Date.parse('2026-11-02T08:00:00Z');

function simulate(
  name: string,
  scenarios: string[],
  benign: string[],
  minutes: number,
): { file: string; truth: GroundTruth[] } {
  const lines: string[] = [];
  const { truth } = simulateInto(
    { seed: 11, startMs: T0, durationMs: minutes * 60_000, services: 30, ratePerSec: 30, scenarios, benign },
    (line) => lines.push(line),
  );
  const file = join(dir, `${name}.jsonl`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return { file, truth };
}

function offender(i: Incident): string {
  return 'principal' in i.workload ? i.workload.principal : i.workload.address;
}

function policiesIn(root: string): Array<{
  spec: { action: string; rules: Array<{ from: Array<{ source: { principals?: string[] } }> }> };
  metadata: { annotations: Record<string, string> };
}> {
  const out = [];
  for (const ns of readdirSync(root))
    for (const f of readdirSync(join(root, ns))) out.push(parseYaml(readFileSync(join(root, ns, f), 'utf8')));
  return out;
}

describe('replay end to end', () => {
  it('finds every attacker with a fitting kind, quarantines it, and leaves benign workloads alone', async () => {
    const attacks = [
      'credential_stuffing',
      'path_scanning',
      'lateral_movement',
      'bulk_read_exfiltration',
      'kubernetes_api_access',
    ];
    const { file, truth } = simulate('attacks', attacks, ['traffic_surge', 'upstream_outage'], 40);
    const cfg = resolveConfig({ log_level: 'silent', neural: { enabled: false }, alerts: { channels: [] } });
    cfg.quarantine.policies_dir = join(dir, 'policies');
    const incidentsPath = join(dir, 'incidents.jsonl');
    const result = await replay(cfg, { input: file, format: 'auto', incidentsPath });

    const incidents = readFileSync(incidentsPath, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Incident);
    expect(result.incidents).toBe(incidents.length);
    expect(result.rejected).toBe(0);
    for (const t of truth.filter((x) => x.attack)) {
      const mine = incidents.filter((i) => offender(i) === t.actor.principal);
      expect(
        mine.some((i) => t.acceptableKinds.includes(i.kind)),
        `${t.scenario}: ${mine.map((i) => i.kind).join(', ')}`,
      ).toBe(true);
      const first = mine[0]!;
      expect(Date.parse(first.detectedAt) - t.startMs, t.scenario).toBeLessThan(60_000);
      expect(first.action.type, t.scenario).toBe('quarantine');
    }
    for (const t of truth.filter((x) => !x.attack))
      expect(
        incidents.filter(
          (i) => offender(i) === t.actor.principal && ['high', 'critical'].includes(i.severity),
        ),
      ).toEqual([]);

    const attackers = new Set(
      truth.filter((x) => x.attack).map((x) => x.actor.principal.replace('spiffe://', '')),
    );
    const policies = policiesIn(cfg.quarantine.policies_dir);
    expect(policies.length).toBeGreaterThanOrEqual(attacks.length);
    for (const p of policies) {
      expect(p.spec.action).toBe('DENY');
      const principals = p.spec.rules.flatMap((r) => r.from.flatMap((f) => f.source.principals ?? []));
      expect(principals.length).toBeGreaterThan(0);
      for (const principal of principals) expect(attackers).toContain(principal);
      expect(Date.parse(p.metadata.annotations['meshguard.io/expires-at']!)).toBeGreaterThan(T0);
      expect(p.metadata.annotations['istio.io/dry-run']).toBe('true');
    }
  }, 120_000);

  it('stays quiet on benign traffic with its hard cases', async () => {
    const { file } = simulate(
      'benign',
      [],
      [
        'traffic_surge',
        'flash_sale',
        'upstream_outage',
        'canary_shift',
        'client_retries',
        'rollout_new_dependency',
      ],
      60,
    );
    const cfg = resolveConfig({
      log_level: 'silent',
      neural: { enabled: false },
      alerts: { channels: [] },
      quarantine: { sink: 'none' },
    });
    const incidentsPath = join(dir, 'benign-incidents.jsonl');
    const result = await replay(cfg, { input: file, format: 'auto', incidentsPath });
    expect(result.events).toBeGreaterThan(50_000);
    const incidents = readFileSync(incidentsPath, 'utf8')
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Incident);
    expect(incidents.filter((i) => i.severity !== 'low')).toEqual([]);
  }, 120_000);
});
