/**
 * A Hubble flow endpoint (`source` / `destination`: namespace, pod_name, labels, identity, workloads) and
 * what it says about who it is. Cilium writes these from its own endpoint state, not from the traffic.
 */
import { isPlainObject } from '../values.js';
import { workloadFromPod } from '../kubernetes.js';

export class FlowEndpoint {
  namespace = '';
  pod = '';
  workload = '';
  serviceAccount = '';
  /** Cilium's reserved identities (world, host, kube-apiserver, ...) from `reserved:` labels. */
  reserved = '';
}

const SA_LABEL = 'k8s:io.cilium.k8s.policy.serviceaccount=';

export function readEndpoint(v: unknown): FlowEndpoint {
  const e = new FlowEndpoint();
  if (!isPlainObject(v)) return e;
  if (typeof v['namespace'] === 'string') e.namespace = v['namespace'];
  if (typeof v['pod_name'] === 'string') e.pod = v['pod_name'];
  const workloads = v['workloads'];
  if (Array.isArray(workloads) && isPlainObject(workloads[0]) && typeof workloads[0]['name'] === 'string')
    e.workload = workloads[0]['name'];
  const labels = v['labels'];
  if (Array.isArray(labels)) {
    for (const l of labels as unknown[]) {
      if (typeof l !== 'string') continue;
      if (l.startsWith(SA_LABEL)) e.serviceAccount = l.slice(SA_LABEL.length);
      else if (l.startsWith('reserved:') && e.reserved === '') e.reserved = l.slice(9);
      else if (e.workload === '' && (l.startsWith('k8s:app=') || l.startsWith('k8s:app.kubernetes.io/name=')))
        e.workload = l.slice(l.indexOf('=') + 1);
    }
  }
  if (e.workload === '') e.workload = workloadFromPod(e.pod);
  return e;
}

/** The world outside the cluster, as Cilium labels it (`reserved:world`, `reserved:world-ipv4/6`). */
export function isWorld(e: FlowEndpoint): boolean {
  return e.reserved.startsWith('world');
}
