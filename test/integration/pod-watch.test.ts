/**
 * Pod addresses from the Kubernetes API: the pod watch (an informer through @kubernetes/client-node)
 * against the API server stand-in binds each running pod's IP to its namespace, service account,
 * workload and labels, unbinds it when the pod goes, survives the server ending the watch and a
 * compacted history (relist), and `meshguard serve` turns it on with a kubeconfig.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ensureKubernetesClientLoads, type ApiServerStandIn } from '../helpers/apiserver-stand-in.js';
import type { StandInPod } from '../helpers/apiserver-pods.js';
import { waitFor } from '../helpers/wait.js';
import { AddressIdentities } from '../../pipelines/runtime/address-identities.js';
import { Metrics } from '../../pipelines/core/metrics.js';
import { wallClock } from '../../pipelines/core/clock.js';
import { loadConfig } from '../../config/load.js';
import { podWatchWanted } from '../../services/assembly/pod-watch.js';

ensureKubernetesClientLoads();
const { KubeConfig } = await import('@kubernetes/client-node');
const { startApiServerStandIn } = await import('../helpers/apiserver-stand-in.js');
const { PodWatch } = await import('../../services/assembly/pod-watch.js');
const { Service } = await import('../../services/service.js');

const CFG = { mesh_cidrs: [], pod_ips_file: '', binding_ttl_secs: 900, max_bindings: 1000 };
const silent = pino({ level: 'silent' });

function pod(
  namespace: string,
  name: string,
  ip: string | undefined,
  extra: { sa?: string; labels?: Record<string, string>; hostNetwork?: boolean; phase?: string } = {},
): StandInPod {
  return {
    metadata: {
      name,
      namespace,
      labels: extra.labels ?? { app: name.split('-')[0]!, 'pod-template-hash': '7d9f' },
      ownerReferences: [{ kind: 'ReplicaSet', name: `${name.split('-')[0]}-7d9f` }],
    },
    spec: { serviceAccountName: extra.sa ?? name.split('-')[0], hostNetwork: extra.hostNetwork ?? false },
    status: { phase: extra.phase ?? 'Running', ...(ip ? { podIP: ip, podIPs: [{ ip }] } : {}) },
  };
}

let api: ApiServerStandIn;
let ids: AddressIdentities;
let watch: InstanceType<typeof PodWatch>;
const metrics = new Metrics();

beforeAll(async () => {
  api = await startApiServerStandIn();
});
afterAll(async () => {
  await api.stop();
});

beforeEach(async () => {
  for (const p of [...(await listPods())]) api.pods.removeQuietly(p.namespace, p.name);
  api.pods.put(pod('shop', 'cart-1', '10.8.1.5', { labels: { app: 'cart', version: 'v2' } }));
  api.pods.put(pod('kube-system', 'coredns-1', '10.8.0.10', { sa: 'coredns' }));
  api.pods.put(pod('kube-system', 'kube-proxy-1', '192.168.1.20', { hostNetwork: true }));
  ids = new AddressIdentities(CFG);
  const kc = new KubeConfig();
  kc.loadFromString(api.kubeconfigYaml());
  watch = new PodWatch(ids, { logger: silent, metrics, clock: wallClock, kubeConfig: kc });
  await watch.start();
});
afterEach(async () => {
  await watch.stop();
});

async function listPods(): Promise<Array<{ namespace: string; name: string }>> {
  const res = await fetch(`${api.url}/api/v1/pods`, { headers: { authorization: 'Bearer stand-in-token' } });
  const body = (await res.json()) as { items: StandInPod[] };
  return body.items.map((p) => ({ namespace: p.metadata.namespace, name: p.metadata.name }));
}

const bound = (ip: string) => ids.boundTo(ip, Date.now());

describe('pod watch', () => {
  it('binds every running pod IP from the initial list to namespace, service account, workload and labels', () => {
    expect(watch.synced).toBe(true);
    expect(bound('10.8.1.5')).toMatchObject({
      namespace: 'shop',
      serviceAccount: 'cart',
      workload: 'cart',
      source: 'kubernetes',
      labels: { app: 'cart', version: 'v2' },
    });
    expect(bound('10.8.0.10')).toMatchObject({ namespace: 'kube-system', serviceAccount: 'coredns' });
    // A host-network pod's address is its node's: no one workload.
    expect(bound('192.168.1.20')).toBeUndefined();
    // The pods are known now: the quarantine guardrails require an address offender to be bound to one.
    expect(ids.podsKnown).toBe(true);
    expect(new AddressIdentities(CFG).podsKnown).toBe(false);
  });

  it('follows pods added, given an IP, relabelled, finished and deleted', async () => {
    api.pods.put(pod('shop', 'orders-1', undefined));
    api.pods.put(pod('shop', 'orders-1', '10.8.2.7'));
    await waitFor(() => bound('10.8.2.7') !== undefined, 5000, 'the new pod IP bound');
    expect(bound('10.8.2.7')).toMatchObject({
      namespace: 'shop',
      serviceAccount: 'orders',
      workload: 'orders',
    });

    api.pods.put(pod('shop', 'orders-1', '10.8.2.7', { labels: { app: 'orders', track: 'canary' } }));
    await waitFor(() => bound('10.8.2.7')?.labels?.track === 'canary', 5000, 'the new labels');

    api.pods.put(pod('shop', 'orders-1', '10.8.2.7', { phase: 'Succeeded' }));
    await waitFor(() => bound('10.8.2.7') === undefined, 5000, 'the finished pod released');

    api.pods.remove('shop', 'cart-1');
    await waitFor(() => bound('10.8.1.5') === undefined, 5000, 'the deleted pod unbound');
  });

  it('keeps an address reused by a new pod when the old pod is deleted after', async () => {
    api.pods.put(pod('payments', 'ledger-1', '10.8.1.5', { sa: 'ledger' }));
    await waitFor(() => bound('10.8.1.5')?.namespace === 'payments', 5000, 'the reused IP rebound');
    api.pods.remove('shop', 'cart-1');
    api.pods.put(pod('shop', 'marker-1', '10.8.9.9'));
    await waitFor(() => bound('10.8.9.9') !== undefined, 5000, 'a later event');
    expect(bound('10.8.1.5')).toMatchObject({ namespace: 'payments', serviceAccount: 'ledger' });
  });

  it('resumes when the server ends the watch, and relists after the history is compacted', async () => {
    const before = api.pods.watchRequests;
    api.pods.closeWatches();
    await waitFor(() => api.pods.openWatches > 0 && api.pods.watchRequests > before, 5000, 'a new watch');
    api.pods.put(pod('shop', 'search-1', '10.8.3.3'));
    await waitFor(() => bound('10.8.3.3') !== undefined, 5000, 'a pod added after the resume');

    // The watch is down while a pod goes and the history is compacted: the informer must relist,
    // and the relist must unbind the pod it never heard being deleted.
    api.pods.removeQuietly('shop', 'cart-1');
    api.pods.forgetHistory();
    api.pods.closeWatches();
    await waitFor(
      () => bound('10.8.1.5') === undefined,
      10_000,
      'the pod deleted while disconnected unbound',
    );
    expect(bound('10.8.3.3')).toBeDefined();
  });

  it('retries after the API server fails the list, and reports it down meanwhile', async () => {
    await watch.stop();
    api.failNext(500, 1, { methods: ['GET'] });
    const kc = new KubeConfig();
    kc.loadFromString(api.kubeconfigYaml());
    ids = new AddressIdentities(CFG);
    watch = new PodWatch(ids, { logger: silent, metrics, clock: wallClock, kubeConfig: kc });
    await watch.start();
    expect(watch.synced).toBe(false);
    const up = async () =>
      (await metrics.dependencyUp.get()).values.find((v) => v.labels.dependency === 'kubernetes_pods')?.value;
    expect(await up()).toBe(0);
    await waitFor(() => bound('10.8.1.5') !== undefined, 10_000, 'the bindings after the retry');
    await waitFor(async () => (await up()) === 1, 5000, 'the dependency reported up');
  });
});

describe('meshguard serve', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'meshguard-podwatch-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('turns the pod watch on with a kubeconfig, and not in replay-like defaults without one', async () => {
    const kubeconfig = join(dir, 'kubeconfig.yaml');
    await writeFile(kubeconfig, api.kubeconfigYaml());
    const cfg = await loadConfig({
      env: {},
      overrides: {
        log_level: 'silent',
        http: { port: 0, host: '127.0.0.1' },
        quarantine: { sink: 'none' },
        alerts: { channels: [] },
        neural: { enabled: false },
        addresses: { kubeconfig },
      },
    });
    expect(podWatchWanted(cfg, {}, () => false)).toBe(true);
    const bare = await loadConfig({ env: {}, overrides: { log_level: 'silent' } });
    expect(podWatchWanted(bare, {}, () => false)).toBe(false);
    expect(podWatchWanted(bare, { KUBERNETES_SERVICE_HOST: '10.96.0.1' }, () => true)).toBe(true);

    const service = new Service(cfg, 'all', silent);
    try {
      await service.start();
      expect(service.pods?.synced).toBe(true);
      const bindings = service.scoringParts!.pipeline.addressBindings;
      expect(bindings.boundTo('10.8.1.5', Date.now())).toMatchObject({
        namespace: 'shop',
        serviceAccount: 'cart',
      });
    } finally {
      await service.stop();
    }
  });
});
