import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { MemoryStateStore } from '../../../../pipelines/core/state-store.js';
import { CallGraph } from '../../../../pipelines/features/call-graph.js';
import { LeastPrivilegeConfig } from '../../../../pipelines/responders/least-privilege/config.js';
import {
  buildConsulIntentions,
  buildLinkerdObjects,
} from '../../../../pipelines/responders/least-privilege/other-meshes.js';
import {
  consulWouldDeny,
  dryRunObjects,
  enforcedObjects,
  groupProposal,
  proposalErrors,
  releaseRefs,
  type Proposal,
} from '../../../../pipelines/responders/least-privilege/proposal.js';
import { LeastPrivilegeVerifier } from '../../../../pipelines/responders/least-privilege/verify.js';
import { AuditTrail } from '../../../../pipelines/responders/quarantine/audit-trail.js';
import { ev, principalOf } from '../../../helpers/events.js';
import { crdErrors } from '../../../helpers/crd-schema.js';
import { FakeClock, quarantineConfig, settings } from '../quarantine/fixtures.js';

function graph(): CallGraph {
  const g = new CallGraph();
  for (const sa of ['web', 'cart'])
    g.observe(
      ev({
        timeMs: 1,
        src: principalOf('shop', sa),
        dstNamespace: 'shop',
        podLabels: { app: 'orders' },
        upstreamCluster: 'inbound|8080||',
      }),
    );
  return g;
}

const linkerd = (): Proposal =>
  groupProposal(
    'linkerd',
    buildLinkerdObjects(graph().destinations(), { dryRun: true, protectedNamespaces: [] }).groups[0]!,
  );
const consul = (): Proposal =>
  groupProposal(
    'consul',
    buildConsulIntentions(graph().destinations(), { dryRun: true, protectedNamespaces: [] }).groups[0]!,
  );

describe('least-privilege proposals', () => {
  it('Linkerd: audit while verified, deny once enforced, authorizations before the Servers, Servers out first', () => {
    const p = linkerd();
    expect(proposalErrors(p)).toEqual([]);
    const verifying = dryRunObjects(p);
    const server = (objs: typeof verifying) => objs.find((o) => o.kind === 'Server')!;
    expect(server(verifying).spec).toMatchObject({ accessPolicy: 'audit' });
    expect(server(verifying).metadata.annotations?.['meshguard.io/dry-run']).toBe('true');
    const enforced = enforcedObjects(p);
    expect(enforced.map((o) => o.kind)).toEqual(['MeshTLSAuthentication', 'AuthorizationPolicy', 'Server']);
    expect(server(enforced).spec).toMatchObject({ accessPolicy: 'deny' });
    expect(server(enforced).metadata.annotations?.['meshguard.io/dry-run']).toBeUndefined();
    for (const o of [...verifying, ...enforced]) expect(crdErrors(o)).toEqual([]);
    expect(releaseRefs(p).map((r) => r.kind)).toEqual([
      'Server',
      'MeshTLSAuthentication',
      'AuthorizationPolicy',
    ]);
  });

  it('refuses Linkerd objects that would authorize more than the learned callers', () => {
    const foreignTarget = linkerd();
    const policy = foreignTarget.objects.find((o) => o.kind === 'AuthorizationPolicy')!;
    (policy.spec as { targetRef: { name: string } }).targetRef.name = 'someone-elses-server';
    expect(proposalErrors(foreignTarget).join('\n')).toMatch(/must target a Server of the proposal/);

    const network = linkerd();
    network.objects.push({
      apiVersion: 'policy.linkerd.io/v1alpha1',
      kind: 'NetworkAuthentication',
      metadata: { ...network.objects[0]!.metadata, name: 'everyone' },
      spec: { networks: [{ cidr: '0.0.0.0/0' }] },
    });
    expect(proposalErrors(network).join('\n')).toMatch(/not a kind least privilege writes/);

    const everyPod = linkerd();
    (everyPod.objects.find((o) => o.kind === 'Server')!.spec as { podSelector: unknown }).podSelector = {
      matchLabels: {},
    };
    expect(proposalErrors(everyPod).join('\n')).toMatch(/podSelector.matchLabels is empty/);
  });

  it('Consul: nothing is written while verified; a caller outside the allowed sources would be denied', () => {
    const p = consul();
    expect(proposalErrors(p)).toEqual([]);
    expect(dryRunObjects(p)).toEqual([]);
    expect(p.allowedSources).toEqual(['cart', 'web']);
    const caller = (svc: string) =>
      ev({
        timeMs: 1,
        src: `spiffe://1111.consul/ns/default/dc/dc1/svc/${svc}`,
        srcPrincipal: `spiffe://1111.consul/ns/default/dc/dc1/svc/${svc}`,
      });
    expect(consulWouldDeny(p, caller('web'))).toBe(false);
    expect(consulWouldDeny(p, caller('billing'))).toBe(true);
    expect(consulWouldDeny(p, ev({ timeMs: 1, src: 'ip:10.0.0.9' }))).toBeUndefined();

    const open = consul();
    (open.objects[0]!.spec as { sources: unknown[] }).sources.pop(); // the * deny
    expect(proposalErrors(open).join('\n')).toMatch(/must end with the \* deny/);
  });

  it('a record in the state store that fails the checks is not restored (it would be applied on promotion)', async () => {
    const clock = new FakeClock();
    const s = settings(clock);
    const store = new MemoryStateStore();
    const good = { proposal: linkerd(), state: 'dry_run', wouldDeny: 0, appliedAtMs: 1, cleanSinceMs: 1 };
    const tampered = structuredClone(good);
    tampered.proposal.name = 'meshguard-allow-other';
    tampered.proposal.objects.push({
      apiVersion: 'policy.linkerd.io/v1alpha1',
      kind: 'NetworkAuthentication',
      metadata: {
        name: 'everyone',
        namespace: 'shop',
        labels: { 'app.kubernetes.io/managed-by': 'meshguard' },
      },
      spec: { networks: [{ cidr: '0.0.0.0/0' }] },
    });
    await store.set('least-privilege:policy:shop/meshguard-allow-orders', JSON.stringify(good));
    await store.set('least-privilege:policy:shop/meshguard-allow-other', JSON.stringify(tampered));
    await store.set('least-privilege:policy:shop/garbage', '{not json');
    const qcfg = quarantineConfig({ sink: 'none' });
    const verifier = new LeastPrivilegeVerifier({
      cfg: Value.Default(LeastPrivilegeConfig, {}) as LeastPrivilegeConfig,
      quarantine: qcfg,
      sink: {
        name: 'none',
        apply: async () => ({ code: 'ok' }),
        write: async () => ({ code: 'ok' }),
        delete: async () => ({ code: 'ok' }),
        list: async () => [],
        read: async () => undefined,
        listKind: async () => [],
      },
      audit: new AuditTrail(qcfg, store, clock, s.logger),
      state: store,
      clock,
      metrics: s.metrics,
      logger: s.logger,
    });
    expect(await verifier.restore()).toBe(true);
    expect(verifier.coverage().policies.map((p) => p.policy)).toEqual(['meshguard-allow-orders']);
  });
});
