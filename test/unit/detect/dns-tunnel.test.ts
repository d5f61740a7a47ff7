import { describe, expect, it } from 'vitest';
import type { MeshEvent } from '../../../pipelines/core/event.js';
import { entropy, splitDomain } from '../../../pipelines/detect/exfiltration/dns-tunnel/dns-tunnel.js';
import { defaultParseOptions, parseLine } from '../../../pipelines/parse/index.js';
import { TUNNEL_ACTOR, TUNNEL_DOMAIN, dnsTrafficLines } from '../../helpers/dns-traffic.js';
import { runEvents } from '../../helpers/pipeline.js';

const T0 = Date.parse('2026-11-02T08:00:00Z');

function events(lines: string[]): MeshEvent[] {
  const out: MeshEvent[] = [];
  for (const l of lines)
    parseLine(l, 'auto', defaultParseOptions, (r) => {
      if (!r.ok) throw new Error(r.reason);
      out.push(r.event);
    });
  return out;
}

describe('dns_tunnel', () => {
  it('splits registered domains and measures entropy', () => {
    expect(splitDomain('a.b.t.exfil-sync.net')).toEqual(['exfil-sync.net', 'a.b.t']);
    expect(splitDomain('x.example.co.uk')).toEqual(['example.co.uk', 'x']);
    expect(splitDomain('example.com')).toEqual(['example.com', '']);
    expect(entropy('aaaa')).toBe(0);
    expect(entropy('abcd.efgh')).toBe(3);
  });

  it('finds the workload tunnelling data in DNS names, with the domain; ordinary and CDN names are not', async () => {
    const attackMs = T0 + 300_000;
    const lines = dnsTrafficLines({ startMs: T0, endMs: T0 + 420_000, attackMs });
    const { incidents } = await runEvents(events(lines), { neural: { enabled: false } });
    expect(incidents).toHaveLength(1);
    const i = incidents[0]!;
    expect(i.kind).toBe('exfiltration');
    expect(i.detectors).toContain('dns_tunnel');
    expect(i.workload).toMatchObject({ principal: TUNNEL_ACTOR.principal });
    expect(Date.parse(i.detectedAt) - attackMs).toBeLessThan(30_000);
    expect(JSON.stringify(i.evidence)).toContain(TUNNEL_DOMAIN);

    const quiet = dnsTrafficLines({ startMs: T0, endMs: T0 + 420_000, attackMs: Infinity });
    expect((await runEvents(events(quiet), { neural: { enabled: false } })).incidents).toEqual([]);
  });

  it('can be turned off', async () => {
    const lines = dnsTrafficLines({ startMs: T0, endMs: T0 + 420_000, attackMs: T0 + 300_000 });
    const { incidents } = await runEvents(events(lines), {
      neural: { enabled: false },
      detectors: { dns_tunnel: { enabled: false } },
    });
    expect(incidents).toEqual([]);
  });
});
