/**
 * meshguard's own dependencies are protected from its config alone: with `kafka.brokers` naming in-cluster
 * brokers (`<pod>.<svc>.<ns>.svc...`) or broker addresses, an attacker in the brokers' namespace, or at a
 * broker's address, is reported but never quarantined, through the whole replay (assemble wires it).
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../config/validate.js';
import type { Incident } from '../../pipelines/core/incident.js';
import { simulateInto } from '../../pipelines/sources/simulator/index.js';
import { replay } from '../../services/cli/replay.js';
import { ATTACKER, fieldShiftingTraffic } from '../helpers/field-shifting.js';

const dir = mkdtempSync(join(tmpdir(), 'meshguard-deps-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const T0 = Date.parse('2026-11-02T08:00:00Z');

async function run(
  name: string,
  input: string,
  brokers: string[],
): Promise<{ incidents: Incident[]; policies: number }> {
  const cfg = resolveConfig({
    log_level: 'silent',
    neural: { enabled: false },
    alerts: { channels: [] },
    kafka: { brokers },
    quarantine: { sink: 'gitops', policies_dir: join(dir, name, 'policies') },
  });
  const incidentsPath = join(dir, name, 'incidents.jsonl');
  await replay(cfg, { input, format: 'auto', incidentsPath });
  const incidents = readFileSync(incidentsPath, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Incident);
  const policyDir = cfg.quarantine.policies_dir;
  let policies = 0;
  try {
    policies = readdirSync(policyDir, { recursive: true }).filter((f) => String(f).endsWith('.yaml')).length;
  } catch {
    policies = 0;
  }
  return { incidents, policies };
}

describe("meshguard's dependencies, protected from kafka.brokers alone", () => {
  it('an attacker in the brokers namespace is reported, never quarantined; elsewhere it is', async () => {
    const lines: string[] = [];
    const { truth } = simulateInto(
      {
        seed: 11,
        startMs: T0,
        durationMs: 12 * 60_000,
        services: 16,
        ratePerSec: 20,
        scenarios: ['path_scanning'],
      },
      (line) => lines.push(line),
    );
    const input = join(dir, 'scan.jsonl');
    writeFileSync(input, `${lines.join('\n')}\n`);
    const actor = truth.find((t) => t.attack)!.actor;
    const namespace = /\/ns\/([^/]+)\//.exec(actor.principal)![1]!;
    const mine = (incidents: Incident[]) =>
      incidents.filter((i) => 'principal' in i.workload && i.workload.principal === actor.principal);

    const elsewhere = await run('elsewhere', input, ['kafka-0.kafka.streaming.svc.cluster.local:9092']);
    expect(mine(elsewhere.incidents).map((i) => i.action.type)).toContain('quarantine');

    const here = await run('here', input, [`kafka-0.kafka.${namespace}.svc.cluster.local:9092`]);
    expect(mine(here.incidents).length).toBeGreaterThan(0);
    for (const i of mine(here.incidents)) {
      expect(i.action.type).toBe('alert');
      expect(i.action.reason).toMatch(`namespace "${namespace}" is protected`);
    }
  }, 120_000);

  it('an attacker at a broker address is reported, never quarantined', async () => {
    const input = join(dir, 'shifted.log');
    writeFileSync(input, `${fieldShiftingTraffic(10).join('\n')}\n`);
    const at = (incidents: Incident[]) =>
      incidents.filter((i) => 'address' in i.workload && i.workload.address === ATTACKER);

    const elsewhere = await run('addr-elsewhere', input, ['10.0.0.7:9092']);
    expect(at(elsewhere.incidents).map((i) => i.action.type)).toContain('quarantine');

    const here = await run('addr-here', input, [`${ATTACKER}:9092`]);
    expect(at(here.incidents).length).toBeGreaterThan(0);
    for (const i of at(here.incidents)) {
      expect(i.action.type).toBe('alert');
      expect(i.action.reason).toMatch(/meshguard's own dependencies/);
    }
    expect(here.policies).toBe(0);
  }, 60_000);
});
