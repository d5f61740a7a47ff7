/**
 * A QuarantineManager writing through the real kubernetes sink to the API server stand-in, for any mesh,
 * with a call graph in which productpage calls ratings; and seeding the stand-in with what exists already.
 */
import type { ApiServerStandIn, StoredObject } from './apiserver-stand-in.js';
import { ensureKubernetesClientLoads, objectKey } from './apiserver-stand-in.js';
import { ObservedCallGraph, QuarantineManager } from '../../pipelines/responders/quarantine/index.js';
import type { QuarantineConfig } from '../../pipelines/responders/quarantine/config.js';
import { emptyEvent } from '../../pipelines/core/event.js';
import { ADMIN_URL, FakeClock, quarantineConfig, settings } from '../unit/responders/quarantine/fixtures.js';

ensureKubernetesClientLoads();
const { KubeConfig } = await import('@kubernetes/client-node');
const { KubernetesSink } = await import('../../pipelines/responders/quarantine/sinks/kubernetes.js');
const { writerFor } = await import('../../pipelines/responders/quarantine/mesh/index.js');

/** Enforce mode, no approval, unless `cfg` says otherwise. */
export function standInManager(api: ApiServerStandIn, cfg: Partial<QuarantineConfig>): QuarantineManager {
  const kc = new KubeConfig();
  kc.loadFromString(api.kubeconfigYaml());
  const c = quarantineConfig({ mode: 'enforce', sink: 'kubernetes', approval_below_severity: 'low', ...cfg });
  const callers = new ObservedCallGraph();
  callers.observe({
    ...emptyEvent(),
    srcPrincipal: 'spiffe://cluster.local/ns/shop/sa/productpage',
    dst: 'ratings.shop.svc.cluster.local',
    status: 200,
  });
  return new QuarantineManager({
    cfg: c,
    settings: settings(new FakeClock()),
    sink: new KubernetesSink({ kubeConfig: kc, kinds: writerFor(c.mesh).kinds }),
    adminUrl: ADMIN_URL,
    sleep: async () => {},
    callers,
  });
}

/** Put `obj` in the stand-in as if someone else had created it (resourceVersion 7). */
export function seedObject(api: ApiServerStandIn, obj: StoredObject): void {
  api.objects.set(objectKey(obj.apiVersion, obj.kind, obj.metadata.namespace, obj.metadata.name), {
    ...structuredClone(obj),
    metadata: { ...structuredClone(obj.metadata), resourceVersion: '7', uid: 'u-1' },
  });
}
