import { describe, expect, it } from 'vitest';
import { evidenceLines, formatAlert } from '../../../../pipelines/responders/alerts/format.js';
import { incident } from './fixtures.js';

const adminUrl = 'http://meshguard.example:8080';

describe('alert text', () => {
  it('says who, what with evidence against the baseline, how sure, what was done and how to undo', () => {
    const a = formatAlert(incident(), 'trigger', { adminUrl });
    expect(a.title).toBe('[HIGH] Data exfiltration from shop/frontend');
    expect(a.who).toContain('frontend');
    expect(a.who).toContain('spiffe://cluster.local/ns/shop/sa/frontend');
    expect(a.what).toMatch(/more data out/);
    expect(a.evidence[0]).toBe('bytes sent: 50.0 MiB vs baseline 1.0 MiB (50x)');
    expect(a.evidence).toContain('host: paste.example.net');
    expect(a.howSure).toBe('score 0.99, severity high, detectors: egress_volume, autoencoder');
    expect(a.done).toMatch(
      /^quarantined \(enforce\): AuthorizationPolicy meshguard-quarantine-shop-frontend/,
    );
    expect(a.undo).toBe('kubectl -n shop delete authorizationpolicy meshguard-quarantine-shop-frontend');
    // The block has every part, one per line, and stays short.
    for (const part of [a.title, a.who, a.howSure, a.done, a.undo]) expect(a.text).toContain(part);
    expect(a.text.split('\n').length).toBeLessThanOrEqual(16);
  });

  it('names an address when the logs carry no identity', () => {
    const a = formatAlert(incident({ workload: { address: '10.8.0.15' } }), 'trigger', { adminUrl });
    expect(a.title).toContain('from 10.8.0.15');
    expect(a.who).toMatch(/address 10\.8\.0\.15 .*no mesh identity/);
  });

  it('says "alert only" with the reason, and that there is nothing to undo', () => {
    const a = formatAlert(
      incident({ action: { type: 'alert', reason: 'namespace kube-system is protected' } }),
      'trigger',
      { adminUrl },
    );
    expect(a.done).toBe('alert only: namespace kube-system is protected');
    expect(a.undo).toMatch(/nothing to undo/);
  });

  it('falls back to the admin API when the quarantine side gave no undo command', () => {
    const a = formatAlert(
      incident({
        action: {
          type: 'quarantine',
          mode: 'dry-run',
          policy: 'mg-q-1',
          notEnforced: ['egress: no egress gateway'],
        },
      }),
      'trigger',
      { adminUrl: adminUrl + '/' },
    );
    expect(a.done).toMatch(/dry-run.*nothing is blocked.*not enforced: egress: no egress gateway/);
    expect(a.undo).toBe(
      'curl -X POST -H "Authorization: Bearer $TOKEN" http://meshguard.example:8080/api/quarantines/mg-q-1/release (or delete AuthorizationPolicy mg-q-1)',
    );
  });

  it('marks a resolve as resolved and released', () => {
    const released = incident();
    released.action = { ...released.action, reason: 'released by alice: false positive' };
    const a = formatAlert(released, 'resolve', { adminUrl });
    expect(a.title).toBe('[RESOLVED] Data exfiltration from shop/frontend');
    expect(a.done).toBe(
      'resolved: quarantine released (AuthorizationPolicy meshguard-quarantine-shop-frontend removed); released by alice: false positive',
    );
    expect(a.undo).toMatch(/nothing to undo/);
  });

  it('never throws on odd evidence and keeps it to a few lines', () => {
    const evidence: Record<string, unknown> = {
      summary: 'x'.repeat(500),
      nested: { a: { b: { c: 1 } } },
      list: [1, 2, 3, 4, 5],
      n: null,
    };
    for (let i = 0; i < 20; i++) evidence[`k${i}`] = i + 0.123456;
    const lines = evidenceLines(evidence);
    expect(lines.length).toBe(7);
    expect(lines[0]!.length).toBeLessThanOrEqual(200);
    expect(lines).toContain('list: 1, 2, 3 (+2 more)');
    expect(lines.at(-1)).toMatch(/more in the incident/);
    const broken = {
      ...incident(),
      workload: undefined,
      evidence: 'nope',
      detectors: undefined,
      action: undefined,
    } as unknown as ReturnType<typeof incident>;
    expect(() => formatAlert(broken, 'trigger', { adminUrl })).not.toThrow();
  });

  it('pairs observed/baseline evidence with a ratio', () => {
    expect(evidenceLines({ metric: 'new_destinations', observed: 7, baseline: 0.5 })).toEqual([
      'new destinations: 7 vs baseline 0.500 (14x)',
    ]);
  });
});
