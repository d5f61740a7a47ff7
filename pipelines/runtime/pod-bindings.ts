/**
 * Pod addresses from the Kubernetes API: each running pod's IPs bound to its namespace, service account,
 * workload name and labels, and unbound when the pod goes (deleted, or finished and its IP released).
 * Kubernetes bindings are authoritative: logs never override them, and they hold until the pod goes
 * rather than for `binding_ttl_secs`.
 *
 * Pod IPs are reused: a new pod may be added with an address before the old pod's deletion arrives, so
 * an address is unbound only by the pod that holds it now. Host-network pods share their node's address
 * and are never bound (one node address is not one workload).
 */
import { isIP } from 'node:net';
import type { AddressBinding } from './address-identities.js';

/** The fields of a Pod meshguard reads (the watch keeps only these: see slimPod). */
export interface PodView {
  metadata?: {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
    ownerReferences?: Array<{ kind?: string; name?: string }>;
  };
  spec?: { serviceAccountName?: string; hostNetwork?: boolean };
  status?: { phase?: string; podIP?: string; podIPs?: Array<{ ip?: string }> };
}

/** What the bindings are written into: the pipeline's address identities. */
export interface AddressBindingTarget {
  bind(address: string, b: Omit<AddressBinding, 'sinceMs' | 'lastSeenMs'>, nowMs: number): void;
  unbind(address: string): void;
}

/** Labels that name a workload, in Istio's order of preference for its canonical service name. */
const NAME_LABELS = ['service.istio.io/canonical-name', 'app.kubernetes.io/name', 'app'];

/**
 * The workload a pod belongs to: its canonical-name label, else its owner (a ReplicaSet's name less its
 * pod-template hash is the Deployment), else the pod's own name.
 */
export function workloadOfPod(pod: PodView): string {
  const labels = pod.metadata?.labels ?? {};
  for (const key of NAME_LABELS) if (labels[key]) return labels[key];
  const owner = pod.metadata?.ownerReferences?.[0];
  if (owner?.name) {
    const hash = labels['pod-template-hash'];
    if (owner.kind === 'ReplicaSet' && hash && owner.name.endsWith(`-${hash}`))
      return owner.name.slice(0, -hash.length - 1);
    return owner.name;
  }
  return pod.metadata?.name ?? '';
}

/** The addresses a pod holds now: none before it has one, after it finished, or on the host network. */
export function podAddresses(pod: PodView): string[] {
  const status = pod.status ?? {};
  if (pod.spec?.hostNetwork === true || status.phase === 'Succeeded' || status.phase === 'Failed') return [];
  const ips = new Set<string>();
  if (status.podIP) ips.add(status.podIP);
  for (const p of status.podIPs ?? []) if (p.ip) ips.add(p.ip);
  return [...ips].filter((ip) => isIP(ip) !== 0);
}

/** Only what podAddresses and workloadOfPod read: a watch of every pod keeps this, not whole objects. */
export function slimPod<T extends PodView>(pod: T & { metadata?: { resourceVersion?: string } }): T {
  const m = pod.metadata ?? {};
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: m.name,
      namespace: m.namespace,
      resourceVersion: m.resourceVersion,
      labels: m.labels,
      ownerReferences: m.ownerReferences?.slice(0, 1).map((o) => ({ kind: o.kind, name: o.name })),
    },
    spec: { serviceAccountName: pod.spec?.serviceAccountName, hostNetwork: pod.spec?.hostNetwork },
    status: {
      phase: pod.status?.phase,
      podIP: pod.status?.podIP,
      podIPs: pod.status?.podIPs?.map((p) => ({ ip: p.ip })),
    },
  } as unknown as T;
}

export class PodAddressBindings {
  /** Address → the pod (`namespace/name`) that holds it now. */
  private readonly holder = new Map<string, string>();
  /** Pod → the addresses it holds (to release the ones it gave up on update). */
  private readonly held = new Map<string, string[]>();

  constructor(private readonly target: AddressBindingTarget) {}

  /** Pods bound now. */
  get pods(): number {
    return this.held.size;
  }

  /** A pod was added or changed: bind its addresses now, release those it no longer holds. */
  upsert(pod: PodView, nowMs: number): void {
    const key = podKey(pod);
    const namespace = pod.metadata?.namespace ?? '';
    if (key === undefined || namespace === '') return;
    const addresses = podAddresses(pod);
    for (const ip of this.held.get(key) ?? []) if (!addresses.includes(ip)) this.release(key, ip);
    if (addresses.length === 0) {
      this.held.delete(key);
      return;
    }
    const binding = {
      namespace,
      workload: workloadOfPod(pod),
      serviceAccount: pod.spec?.serviceAccountName ?? 'default',
      labels: { ...(pod.metadata?.labels ?? {}) },
      source: 'kubernetes' as const,
    };
    for (const ip of addresses) {
      this.holder.set(ip, key);
      this.target.bind(ip, binding, nowMs);
    }
    this.held.set(key, addresses);
  }

  /** A pod was deleted: its addresses are unbound, unless another pod holds them already. */
  remove(pod: PodView): void {
    const key = podKey(pod);
    if (key === undefined) return;
    for (const ip of this.held.get(key) ?? podAddresses(pod)) this.release(key, ip);
    this.held.delete(key);
  }

  private release(key: string, ip: string): void {
    if (this.holder.get(ip) !== key) return;
    this.holder.delete(ip);
    this.target.unbind(ip);
  }
}

function podKey(pod: PodView): string | undefined {
  const m = pod.metadata;
  return m?.name ? `${m.namespace ?? ''}/${m.name}` : undefined;
}
