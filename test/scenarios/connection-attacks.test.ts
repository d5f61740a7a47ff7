/**
 * The attack shapes of real traffic that HTTP statuses do not show, from the simulator through the
 * real pipeline (parser, windows, detectors, incidents): password guessing over TCP, port and host
 * sweeps, one oversized read, a scan followed by exfiltration, a slow drip that must grow severe, and
 * the benign look-alikes that must stay quiet.
 */
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../config/validate.js';
import { severityRank } from '../../pipelines/core/incident.js';
import { evaluateRun, type RunOutcome } from '../../services/eval/evaluate.js';

const T0 = Date.parse('2026-11-02T08:00:00Z');
const NEW_DETECTORS = ['connection_sweep', 'session_burst', 'single_flow_volume'];

function outcome(run: RunOutcome, scenario: string) {
  const o = run.outcomes.find((x) => x.truth.scenario === scenario);
  if (o === undefined) throw new Error(`${scenario} was not played`);
  return o;
}

describe('connection-level attacks, end to end', () => {
  it('finds each with the right kind and stays quiet on outages and surges', async () => {
    const attacks = [
      'tcp_password_guessing',
      'port_sweep',
      'host_sweep',
      'single_flow_read',
      'scan_then_exfiltration',
      'passthrough_lateral_movement',
    ];
    const run = await evaluateRun({
      seed: 5,
      startMs: T0,
      durationMs: 40 * 60_000,
      services: 30,
      ratePerSec: 15,
      scenarios: attacks,
      benign: ['tcp_dependency_outage', 'upstream_outage', 'traffic_surge'],
    });
    for (const name of attacks) {
      const o = outcome(run, name);
      expect(o.detected, `${name}: ${o.incidents.map((i) => `${i.kind}/${i.detectors[0]}`).join(', ')}`).toBe(
        true,
      );
      expect(o.timeToDetectSecs, name).toBeLessThan(60);
    }
    // The second attack of one offender is its own incident, not folded into the first.
    const both = outcome(run, 'scan_then_exfiltration').incidents.map((i) => i.kind);
    expect(both).toContain('scanning');
    expect(both).toContain('exfiltration');
    // Sweeps are scanning, not unauthorized access; a pivot to pod addresses is not exfiltration.
    for (const name of ['port_sweep', 'host_sweep'])
      expect(outcome(run, name).incidents.map((i) => i.kind)).not.toContain('unauthorized_access');
    expect(outcome(run, 'passthrough_lateral_movement').incidents.map((i) => i.kind)).not.toContain(
      'exfiltration',
    );
    expect(run.falseIncidents.filter((i) => i.detectors.some((d) => NEW_DETECTORS.includes(d)))).toEqual([]);
    expect(run.outcomes.filter((o) => o.highAgainstBenign)).toEqual([]);
  }, 300_000);

  it('escalates a slow drip to a new external host until it is eligible for containment', async () => {
    const run = await evaluateRun({
      seed: 7,
      startMs: T0,
      durationMs: 40 * 60_000,
      services: 20,
      ratePerSec: 10,
      scenarios: ['slow_drip_upload'],
      benign: [],
    });
    const drip = outcome(run, 'slow_drip_upload').incidents.filter((i) => i.kind === 'exfiltration');
    expect(drip.length).toBeGreaterThanOrEqual(2);
    expect(new Set(drip.map((i) => i.id)).size).toBe(1);
    // First an alert, then, as volume and duration grow, at or above the severity that quarantines.
    const minSeverity = resolveConfig({}).quarantine.min_severity;
    expect(drip[0]!.severity).toBe('low');
    expect(severityRank(drip.at(-1)!.severity)).toBeGreaterThanOrEqual(severityRank(minSeverity));
    expect(drip.at(-1)!.evidence.escalated_from).toBeDefined();
  }, 300_000);
});
