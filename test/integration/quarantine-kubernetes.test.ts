/**
 * The kubernetes sink through @kubernetes/client-node against a local stand-in of the API server:
 * server-side apply on the wire, list by label, delete, and the retryable / permanent classification.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AuthorizationPolicy } from '@kubernetes-models/istio/security.istio.io/v1/AuthorizationPolicy';
import {
  ensureKubernetesClientLoads,
  startApiServerStandIn,
  type ApiServerStandIn,
} from '../helpers/apiserver-stand-in.js';
import {
  QuarantineManager,
  type KubernetesSink as KubernetesSinkType,
} from '../../pipelines/responders/quarantine/index.js';
import {
  ADMIN_URL,
  FakeClock,
  incident,
  quarantineConfig,
  settings,
} from '../unit/responders/quarantine/fixtures.js';

ensureKubernetesClientLoads();
const { KubeConfig } = await import('@kubernetes/client-node');
const { KubernetesSink } = await import('../../pipelines/responders/quarantine/sinks/kubernetes.js');

let api: ApiServerStandIn;
let dir: string;

beforeAll(async () => {
  api = await startApiServerStandIn();
  dir = await mkdtemp(join(tmpdir(), 'meshguard-kube-'));
});
afterAll(async () => {
  await api.stop();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  api.objects.clear();
  api.requests.length = 0;
});

function sink(metrics?: ReturnType<typeof settings>['metrics']): KubernetesSinkType {
  const kc = new KubeConfig();
  kc.loadFromString(api.kubeconfigYaml());
  return new KubernetesSink({ kubeConfig: kc, metrics });
}

function setup(cfg = {}) {
  const clock = new FakeClock();
  const s = settings(clock);
  const k = sink(s.metrics);
  const m = new QuarantineManager({
    cfg: quarantineConfig({ mode: 'enforce', sink: 'kubernetes', approval_below_severity: 'low', ...cfg }),
    settings: s,
    sink: k,
    adminUrl: ADMIN_URL,
    sleep: async () => {},
  });
  return { m, k, clock, metrics: s.metrics };
}

describe('kubernetes sink (stand-in API server)', () => {
  it('applies the policy with server-side apply, fieldManager meshguard, force', async () => {
    const { m, k, metrics } = setup({ mode: 'dry-run' });
    const action = await m.decide(incident({ kind: 'exfiltration' }));
    expect(action).toMatchObject({ type: 'quarantine', mode: 'dry-run' });

    const patches = api.requests.filter((r) => r.method === 'PATCH');
    expect(patches).toHaveLength(2); // the mesh-wide DENY and the egress-gateway DENY
    for (const p of patches) {
      expect(p.contentType).toBe('application/apply-patch+yaml');
      expect(p.query).toMatchObject({ fieldManager: 'meshguard', force: 'true' });
      expect(p.path).toMatch(
        /^\/apis\/security\.istio\.io\/v1\/namespaces\/istio-system\/authorizationpolicies\/meshguard-quarantine-exfiltration-[0-9a-f]{8}(-egress)?$/,
      );
    }
    // What the server stored is the full policy: DENY, principal without spiffe://, dry-run, valid for Istio.
    const stored = api.objects.get(`istio-system/${action.policy}`)!;
    expect(stored.spec).toEqual({
      action: 'DENY',
      rules: [{ from: [{ source: { principals: ['cluster.local/ns/shop/sa/frontend'] } }] }],
    });
    expect(stored.metadata.annotations?.['istio.io/dry-run']).toBe('true');
    expect(stored.metadata.labels?.['app.kubernetes.io/managed-by']).toBe('meshguard');
    expect(stored.metadata.managedFields?.[0]?.manager).toBe('meshguard');
    const {
      managedFields: _m,
      uid: _u,
      resourceVersion: _r,
      creationTimestamp: _c,
      ...metadata
    } = stored.metadata;
    expect(() => new AuthorizationPolicy({ ...stored, metadata } as never).validate()).not.toThrow();

    const listed = await k.list();
    expect(listed.map((p) => p.metadata.name).sort()).toEqual([action.policy, `${action.policy}-egress`]);
    const gauge = await metrics.dependencyUp.get();
    expect(gauge.values.find((v) => v.labels.dependency === 'kubernetes')?.value).toBe(1);
  });

  it('re-applying is idempotent (same object, new resourceVersion)', async () => {
    const k = sink();
    const { m } = setup();
    await m.decide(incident());
    const [policy] = await k.list();
    expect(await k.apply(policy!)).toEqual({ code: 'ok' });
    expect(api.objects.size).toBe(1);
  });

  it('retries 409 and 500, then succeeds', async () => {
    const { m } = setup({ apply_max_attempts: 3 });
    api.failNext(409);
    api.failNext(500);
    const action = await m.decide(incident());
    expect(action.type).toBe('quarantine');
    expect(api.requests.filter((r) => r.method === 'PATCH')).toHaveLength(3);
    expect(api.objects.size).toBe(1);
  });

  it('classifies: 409 / 5xx / 429 retryable (with Retry-After), other 4xx permanent', async () => {
    const k = sink();
    const { m } = setup();
    await m.decide(incident());
    const [policy] = await k.list();
    api.failNext(409);
    expect((await k.apply(policy!)).code).toBe('retryable');
    api.failNext(503);
    expect((await k.apply(policy!)).code).toBe('retryable');
    api.failNext(429, 1, { retryAfterSecs: 7 });
    expect(await k.apply(policy!)).toMatchObject({ code: 'retryable', retryAfterMs: 7000 });
    api.failNext(403);
    const forbidden = await k.apply(policy!);
    expect(forbidden.code).toBe('permanent');
    expect(forbidden.code === 'permanent' && forbidden.error.message).toMatch(/403/);
  });

  it('alerts only when the API keeps failing, and frees the offender for a later try', async () => {
    const { m } = setup({ apply_max_attempts: 2 });
    api.failNext(500, 2);
    const failed = await m.decide(incident());
    expect(failed.type).toBe('alert');
    expect(failed.reason).toMatch(/could not be applied \(kubernetes sink\).*500/);
    expect((await m.decide(incident())).type).toBe('quarantine');
  });

  it('release deletes the policy; a policy already gone counts as released', async () => {
    const { m } = setup();
    const action = await m.decide(incident());
    expect(api.objects.size).toBe(1);
    await m.release(action.policy!, 'alice', 'false positive');
    expect(api.objects.size).toBe(0);
    expect(
      api.requests.some(
        (r) =>
          r.method === 'DELETE' && r.path.endsWith(`/istio-system/authorizationpolicies/${action.policy}`),
      ),
    ).toBe(true);

    const again = await m.decide(incident());
    api.objects.clear(); // someone ran the kubectl undo by hand
    expect((await m.release(again.policy!, 'bob', 'cleanup')).state).toBe('released');
  });

  it('loads credentials from a kubeconfig file', async () => {
    const file = join(dir, 'kubeconfig.yaml');
    await writeFile(file, api.kubeconfigYaml());
    const k = new KubernetesSink({ kubeconfigPath: file });
    expect(await k.list()).toEqual([]);
    expect(
      api.requests.some(
        (r) =>
          r.method === 'GET' &&
          r.path === '/apis/security.istio.io/v1/authorizationpolicies' &&
          r.query.labelSelector === 'app.kubernetes.io/managed-by=meshguard',
      ),
    ).toBe(true);
  });
});
