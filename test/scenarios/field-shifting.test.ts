/**
 * Text lines whose quoted header values would shift Envoy's fields, replayed through the whole pipeline:
 * they are evidence against the caller that sent them (read from the fields Envoy wrote), found as
 * `log_field_injection`; the caller the forged fields name is never blamed, a single stray line raises
 * nothing, and an address the client could have chosen (X-Forwarded-For, port 0) is never quarantined.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../config/validate.js';
import type { Incident } from '../../pipelines/core/incident.js';
import { replay } from '../../services/cli/replay.js';
import {
  ATTACKER,
  BENIGN,
  ONE_OFF,
  SPOOFED,
  VICTIM,
  fieldShiftingTraffic,
} from '../helpers/field-shifting.js';

const dir = mkdtempSync(join(tmpdir(), 'meshguard-field-shift-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const addressOf = (i: Incident): string => ('address' in i.workload ? i.workload.address : '');

describe('field shifting through replay', () => {
  it('blames the sender of the shifted lines, never the caller its forged fields name', async () => {
    const input = join(dir, 'shifted.log');
    writeFileSync(input, `${fieldShiftingTraffic(10).join('\n')}\n`);
    const cfg = resolveConfig({ log_level: 'silent', neural: { enabled: false }, alerts: { channels: [] } });
    cfg.quarantine.policies_dir = join(dir, 'policies');
    cfg.quarantine.sink = 'gitops';
    const incidentsPath = join(dir, 'incidents.jsonl');
    const result = await replay(cfg, { input, format: 'envoy-text', incidentsPath });
    expect(result.rejected).toBe(0);
    const incidents = readFileSync(incidentsPath, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Incident);

    const mine = incidents.filter((i) => addressOf(i) === ATTACKER);
    expect(mine.length).toBeGreaterThan(0);
    expect(mine[0]!.kind).toBe('unauthorized_access');
    expect(mine[0]!.detectors).toContain('log_field_injection');
    const finding = (mine[0]!.evidence.findings as Array<Record<string, unknown>>).find(
      (f) => f.detector === 'log_field_injection',
    )!;
    expect(finding.signals).toHaveProperty(['header:field_shift']);
    expect(finding.samples).toEqual([expect.stringContaining('<header:field_shift>')]);
    expect(mine[0]!.evidence.address_direct).toBe(true);
    // Found while it keeps sending them: within a minute of its third line (one every 20 s).
    expect(Date.parse(mine[0]!.detectedAt) - Date.parse('2026-11-02T08:05:00Z')).toBeLessThanOrEqual(60_000);

    // Nobody the forged span names, and no benign caller, is blamed: not even the one that sent a stray line.
    const named = new Set(incidents.map(addressOf));
    for (const innocent of [...BENIGN, '10.6.6.6', ONE_OFF, VICTIM]) expect(named.has(innocent)).toBe(false);
    // The forged fields never reach an incident as the caller's or the destination's.
    expect(JSON.stringify(incidents)).not.toContain('evil.example.com');

    // The client behind X-Forwarded-For is reported by the address it claimed, and never quarantined by it.
    const spoofed = incidents.filter((i) => addressOf(i) === SPOOFED);
    expect(spoofed.length).toBeGreaterThan(0);
    for (const i of spoofed) {
      expect(i.evidence.address_direct).toBe(false);
      expect(i.action?.type).toBe('alert');
    }
    const policies = readdirSync(cfg.quarantine.policies_dir, { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => readFileSync(join(cfg.quarantine.policies_dir, f), 'utf8'));
    expect(policies.some((p) => p.includes(`${ATTACKER}/32`))).toBe(true);
    for (const p of policies)
      for (const other of [SPOOFED, VICTIM, ...BENIGN]) expect(p).not.toContain(`${other}/32`);
  }, 60_000);
});
