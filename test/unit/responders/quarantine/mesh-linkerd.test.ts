/**
 * Linkerd quarantine through the GitOps sink: per destination server, a Server (or the existing one, whose
 * accessPolicy alone changes), an AuthorizationPolicy, a MeshTLSAuthentication of the learned callers minus
 * the offender, and a NetworkAuthentication for probes; dry-run = accessPolicy audit; release restores
 * exactly what was there. Every object is validated against Linkerd's released CRD schemas.
 */
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { emptyEvent } from '../../../../pipelines/core/event.js';
import {
  GitOpsSink,
  ObservedCallGraph,
  QuarantineManager,
} from '../../../../pipelines/responders/quarantine/index.js';
import type { MeshResource } from '../../../../pipelines/responders/quarantine/mesh/resource.js';
import { crdErrors } from '../../../helpers/crd-schema.js';
import { ADMIN_URL, FakeClock, FRONTEND, incident, quarantineConfig, settings } from './fixtures.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'meshguard-linkerd-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const FRONTEND_ID = 'frontend.shop.serviceaccount.identity.linkerd.cluster.local';
const PRODUCTPAGE_ID = 'productpage.shop.serviceaccount.identity.linkerd.cluster.local';

/** The learned call graph, fed by events as the pipeline sees them. */
function callGraph(): ObservedCallGraph {
  const g = new ObservedCallGraph();
  const call = (src: string, dst: string, status: number) =>
    g.observe({ ...emptyEvent(), srcPrincipal: `spiffe://cluster.local/ns/shop/sa/${src}`, dst, status });
  call('productpage', 'reviews.shop.svc.cluster.local', 200);
  call('frontend', 'reviews.shop.svc.cluster.local', 200);
  call('intruder', 'reviews.shop.svc.cluster.local', 403); // refused: not a legitimate caller
  call('productpage', 'ratings.shop.svc.cluster.local', 200);
  return g;
}

/** A Server someone else wrote, already in the GitOps repository. */
const RATINGS_SERVER = {
  apiVersion: 'policy.linkerd.io/v1beta3',
  kind: 'Server',
  metadata: { name: 'ratings-http', namespace: 'shop', labels: { team: 'ratings' } },
  spec: {
    podSelector: { matchLabels: { app: 'ratings' } },
    port: 9080,
    proxyProtocol: 'HTTP/1',
    accessPolicy: 'all-authenticated',
  },
};

async function seedServer(): Promise<string> {
  await mkdir(join(dir, 'shop'), { recursive: true });
  const path = join(dir, 'shop', 'ratings-http.server.yaml');
  await writeFile(path, stringify(RATINGS_SERVER));
  return path;
}

function manager(mode: 'dry-run' | 'enforce', clock = new FakeClock(), callers = callGraph()) {
  return new QuarantineManager({
    cfg: quarantineConfig({
      mode,
      mesh: 'linkerd',
      approval_below_severity: 'low',
      linkerd: { control_plane_namespace: 'linkerd', probe_networks: ['10.0.0.0/16'] },
    }),
    settings: settings(clock),
    sink: new GitOpsSink(dir),
    adminUrl: ADMIN_URL,
    sleep: async () => {},
    callers,
  });
}

const EVIDENCE = {
  destinations_denied: ['reviews.shop.svc.cluster.local:9080', 'ratings.shop.svc.cluster.local:9080'],
};

async function files(): Promise<Record<string, MeshResource>> {
  const out: Record<string, MeshResource> = {};
  for (const f of (await readdir(join(dir, 'shop'))).sort())
    out[f] = parse(await readFile(join(dir, 'shop', f), 'utf8')) as MeshResource;
  return out;
}

describe('linkerd quarantine', () => {
  it('dry-run writes valid Linkerd objects with accessPolicy audit, authorizing the learned callers but the offender', async () => {
    await seedServer();
    const m = manager('dry-run');
    const action = await m.decide(incident({ evidence: EVIDENCE }));
    expect(action).toMatchObject({ type: 'quarantine', mode: 'dry-run' });
    expect(action.reason).toMatch(/accessPolicy audit/);
    const written = await files();
    expect(Object.keys(written)).toEqual([
      'meshguard-ratings-http-probes.authorizationpolicy.yaml',
      'meshguard-ratings-http-probes.networkauthentication.yaml',
      'meshguard-ratings-http.authorizationpolicy.yaml',
      'meshguard-ratings-http.meshtlsauthentication.yaml',
      'meshguard-reviews-9080-probes.authorizationpolicy.yaml',
      'meshguard-reviews-9080-probes.networkauthentication.yaml',
      'meshguard-reviews-9080.authorizationpolicy.yaml',
      'meshguard-reviews-9080.meshtlsauthentication.yaml',
      'meshguard-reviews-9080.server.yaml',
      'ratings-http.server.yaml',
    ]);
    for (const [name, obj] of Object.entries(written)) expect(crdErrors(obj), name).toEqual([]);
    // A new Server for reviews, in audit; the existing ratings Server keeps everything but its accessPolicy.
    expect(written['meshguard-reviews-9080.server.yaml']!.spec).toEqual({
      podSelector: { matchLabels: { 'linkerd.io/proxy-deployment': 'reviews' } },
      port: 9080,
      accessPolicy: 'audit',
    });
    const ratings = written['ratings-http.server.yaml']!;
    expect(ratings.spec).toEqual({ ...RATINGS_SERVER.spec, accessPolicy: 'audit' });
    expect(ratings.metadata.labels).toEqual({ team: 'ratings' });
    // Callers minus the offender; the refused intruder is not a legitimate caller.
    expect(written['meshguard-reviews-9080.meshtlsauthentication.yaml']!.spec).toEqual({
      identities: [PRODUCTPAGE_ID],
    });
    expect(written['meshguard-ratings-http.authorizationpolicy.yaml']!.spec).toMatchObject({
      targetRef: { group: 'policy.linkerd.io', kind: 'Server', name: 'ratings-http' },
    });
    expect(written['meshguard-reviews-9080-probes.networkauthentication.yaml']!.spec).toEqual({
      networks: [{ cidr: '10.0.0.0/16' }],
    });
    for (const obj of Object.values(written).filter((o) => o.metadata.name.startsWith('meshguard-')))
      expect(obj.metadata.annotations?.['meshguard.io/offender']).toBe('cluster.local/ns/shop/sa/frontend');
    expect(JSON.stringify(written)).not.toContain(FRONTEND_ID);
  });

  it('enforce denies by default; release restores the pre-existing Server exactly and removes the rest', async () => {
    const path = await seedServer();
    const before = await readFile(path, 'utf8');
    const m = manager('enforce');
    const action = await m.decide(incident({ evidence: EVIDENCE }));
    expect(action).toMatchObject({ type: 'quarantine', mode: 'enforce' });
    expect((await files())['ratings-http.server.yaml']!.spec).toMatchObject({ accessPolicy: 'deny' });
    expect((await files())['meshguard-reviews-9080.server.yaml']!.spec).toMatchObject({
      accessPolicy: 'deny',
    });
    await m.release(action.policy!, 'alice', 'false positive');
    expect(Object.keys(await files())).toEqual(['ratings-http.server.yaml']);
    expect(parse(await readFile(path, 'utf8'))).toEqual(RATINGS_SERVER);
    expect(parse(before)).toEqual(RATINGS_SERVER);
  });

  it('two quarantined callers of one server: one authorization excludes both; releasing one keeps the other out', async () => {
    const graph = callGraph();
    graph.observe({
      ...emptyEvent(),
      srcPrincipal: 'spiffe://cluster.local/ns/shop/sa/cart',
      dst: 'reviews.shop.svc.cluster.local',
      status: 200,
    });
    const m = manager('enforce', new FakeClock(), graph);
    const evidence = { destinations_denied: ['reviews.shop.svc.cluster.local:9080'] };
    const first = await m.decide(incident({ evidence }));
    const cart = {
      namespace: 'shop',
      serviceAccount: 'cart',
      principal: 'spiffe://cluster.local/ns/shop/sa/cart',
    };
    const second = await m.decide(incident({ evidence, workload: cart }));
    expect(second).toMatchObject({ type: 'quarantine' });
    const mta = async () => (await files())['meshguard-reviews-9080.meshtlsauthentication.yaml']?.spec;
    expect(await mta()).toEqual({ identities: [PRODUCTPAGE_ID] });
    await m.release(first.policy!, 'alice', 'done');
    // frontend is a legitimate caller again; cart stays excluded.
    expect(await mta()).toEqual({ identities: [FRONTEND_ID, PRODUCTPAGE_ID] });
    expect((await files())['meshguard-reviews-9080.server.yaml']!.spec).toMatchObject({
      accessPolicy: 'deny',
    });
    await m.release(second.policy!, 'alice', 'done');
    expect(await readdir(join(dir, 'shop'))).toEqual([]);
  });

  it('with no destination in the evidence, says Linkerd has no mesh-wide deny and only alerts', async () => {
    const m = manager('enforce');
    const action = await m.decide(incident({ evidence: { summary: 'odd' }, workload: FRONTEND }));
    expect(action.type).toBe('alert');
    expect(action.reason).toMatch(/Linkerd has no DENY and no mesh-wide policy/);
  });

  it('the schema check catches what the API server would refuse or prune', () => {
    const mta = {
      apiVersion: 'policy.linkerd.io/v1alpha1',
      kind: 'MeshTLSAuthentication',
      metadata: { name: 'x' },
    };
    expect(crdErrors({ ...mta, spec: { identities: ['Not An Identity'] } } as never).join(' ')).toMatch(
      /pattern/,
    );
    expect(crdErrors({ ...mta, spec: { identities: [], denied: ['x'] } } as never).join(' ')).toMatch(
      /denied/,
    );
  });

  it('contains a destination named without a port on the ports the call graph saw it called on', async () => {
    const graph = callGraph();
    graph.observe({
      ...emptyEvent(),
      srcPrincipal: 'spiffe://cluster.local/ns/shop/sa/productpage',
      dst: 'reviews.shop.svc.cluster.local',
      upstreamCluster: 'outbound|9080||reviews.shop.svc.cluster.local',
      status: 200,
    });
    const m = manager('enforce', new FakeClock(), graph);
    const action = await m.decide(
      incident({ evidence: { destinations_denied: ['reviews.shop.svc.cluster.local'] } }),
    );
    expect(action.type).toBe('quarantine');
    expect((await files())['meshguard-reviews-9080.server.yaml']!.spec).toMatchObject({ port: 9080 });
  });
});
