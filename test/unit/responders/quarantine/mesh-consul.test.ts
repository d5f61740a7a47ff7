/**
 * Consul quarantine through the HTTP API (a local stand-in with ModifyIndex and check-and-set): a deny
 * intention for the offender merged into each destination's service-intentions entry, never overwriting
 * other sources, retried on a lost race, and taken out exactly on release. The ServiceIntentions resources
 * are validated against consul-k8s's CRD schema.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConsulSink, QuarantineManager } from '../../../../pipelines/responders/quarantine/index.js';
import type { WorkloadIdentity } from '../../../../pipelines/core/incident.js';
import { ConsulStandIn, type ConsulEntry } from '../../../helpers/consul-stand-in.js';
import { crdErrors } from '../../../helpers/crd-schema.js';
import { ADMIN_URL, FakeClock, incident, quarantineConfig, settings } from './fixtures.js';

let consul: ConsulStandIn;
beforeAll(async () => {
  consul = await new ConsulStandIn().start();
});
afterAll(async () => {
  await consul.stop();
});
beforeEach(() => {
  consul.entries.clear();
  consul.requests.length = 0;
});

/** The offender as Consul's Envoy logs name it. */
const WEB: WorkloadIdentity = {
  namespace: 'default',
  serviceAccount: 'web',
  principal: 'spiffe://7c1f.consul/ns/default/dc/dc1/svc/web',
};

const EVIDENCE = {
  destinations_denied: [
    'spiffe://7c1f.consul/ns/default/dc/dc1/svc/billing',
    'ledger.default.dc1.internal.7c1f.consul',
  ],
};

/** Someone else's entry: a wildcard allow, an allow for the offender itself, and another service. */
const BILLING: ConsulEntry = {
  Kind: 'service-intentions',
  Name: 'billing',
  Meta: { owner: 'payments-team' },
  Sources: [
    { Name: 'web', Action: 'allow', Description: 'web may bill', Type: 'consul', Precedence: 9 },
    { Name: 'api', Action: 'allow', Type: 'consul', Precedence: 9 },
    { Name: '*', Action: 'allow', Type: 'consul', Precedence: 8 },
  ],
};

function manager(mode: 'dry-run' | 'enforce') {
  return new QuarantineManager({
    cfg: quarantineConfig({ mode, mesh: 'consul', sink: 'consul', approval_below_severity: 'low' }),
    settings: settings(new FakeClock()),
    sink: new ConsulSink({ address: consul.url }),
    adminUrl: ADMIN_URL,
    sleep: async () => {},
  });
}

const sources = (name: string) => consul.entries.get(`service-intentions/${name}`)?.Sources;

describe('consul quarantine', () => {
  it('dry-run suggests valid ServiceIntentions and writes nothing to Consul', async () => {
    consul.seed(BILLING);
    const m = manager('dry-run');
    const action = await m.decide(incident({ workload: WEB, evidence: EVIDENCE }));
    expect(action).toMatchObject({ type: 'quarantine', mode: 'dry-run' });
    expect(action.notEnforced?.join(' ')).toMatch(/no dry-run/);
    expect(consul.requests.filter((r) => r.method !== 'GET')).toEqual([]);
    const record = (await m.get(action.policy!))!;
    expect(record.suggestions.map((s) => s.metadata.name)).toEqual(['billing', 'ledger']);
    for (const s of record.suggestions) {
      expect(crdErrors(s)).toEqual([]);
      expect((s.spec as { sources: unknown[] }).sources).toEqual([
        expect.objectContaining({ name: 'web', action: 'deny' }),
      ]);
    }
  });

  it('enforce merges an exact deny with check-and-set, keeps other sources, and release restores them exactly', async () => {
    const seeded = consul.seed(BILLING);
    const m = manager('enforce');
    const action = await m.decide(incident({ workload: WEB, evidence: EVIDENCE }));
    expect(action).toMatchObject({ type: 'quarantine', mode: 'enforce' });
    expect(action.notEnforced?.join(' ')).toMatch(/does not cut connections already open/);
    // The offender's own allow is set aside; the wildcard allow and api stay; the exact deny wins over '*'.
    expect(sources('billing')).toEqual([
      { Name: 'api', Action: 'allow', Type: 'consul' },
      { Name: '*', Action: 'allow', Type: 'consul' },
      expect.objectContaining({ Name: 'web', Action: 'deny' }),
    ]);
    expect(consul.entries.get('service-intentions/billing')?.Meta).toEqual({ owner: 'payments-team' });
    // No entry for ledger before: created, marked as meshguard's.
    expect(sources('ledger')).toEqual([expect.objectContaining({ Name: 'web', Action: 'deny' })]);
    expect(consul.entries.get('service-intentions/ledger')?.Meta).toEqual({ 'managed-by': 'meshguard' });
    const puts = consul.requests.filter((r) => r.method === 'PUT');
    expect(puts.map((p) => p.query.cas)).toEqual([String(seeded.ModifyIndex), '0']); // billing at its ModifyIndex, ledger only if absent

    await m.release(action.policy!, 'alice', 'false positive');
    const { CreateIndex: _c, ModifyIndex: _m, ...after } = consul.entries.get('service-intentions/billing')!;
    expect(after).toEqual({
      ...BILLING,
      Sources: [
        { Name: 'api', Action: 'allow', Type: 'consul' },
        { Name: '*', Action: 'allow', Type: 'consul' },
        { Name: 'web', Action: 'allow', Description: 'web may bill', Type: 'consul' },
      ],
    });
    expect(consul.entries.has('service-intentions/ledger')).toBe(false);
  });

  it("a lost check-and-set race reads again and merges again, losing nobody's edit", async () => {
    consul.seed(BILLING);
    consul.raceBeforeNextCas = (entries) =>
      entries.get('service-intentions/billing')!.Sources!.push({ Name: 'batch', Action: 'allow' });
    const m = manager('enforce');
    const action = await m.decide(
      incident({ workload: WEB, evidence: { destinations_denied: ['billing.default.svc.cluster.local'] } }),
    );
    expect(action.type).toBe('quarantine');
    expect(consul.requests.filter((r) => r.method === 'PUT')).toHaveLength(2);
    expect(sources('billing')!.map((s) => s.Name)).toEqual(['api', '*', 'batch', 'web']);
    await m.release(action.policy!, 'alice', 'done');
    expect(sources('billing')!.map((s) => `${String(s.Name)}:${String(s.Action)}`)).toEqual([
      'api:allow',
      '*:allow',
      'batch:allow',
      'web:allow',
    ]);
  });

  it('with no destination named, denies on the * destination and says exact destinations still win', async () => {
    const m = manager('enforce');
    const action = await m.decide(incident({ workload: WEB, evidence: { summary: 'odd' } }));
    expect(action.notEnforced?.join(' ')).toMatch(/exact-destination allow/);
    expect(sources('*')).toEqual([expect.objectContaining({ Name: 'web', Action: 'deny' })]);
  });
});
