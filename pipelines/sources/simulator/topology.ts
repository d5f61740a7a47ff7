/**
 * The simulated mesh: workloads (one Deployment + ServiceAccount each), their pods, a stable call graph with
 * per-edge request rates, and the external hosts some workloads legitimately reach through egress.
 * Built once from the seed; everything after reads it.
 */
import type { WorkloadInfo } from '../../parse/index.js';
import {
  CATALOG,
  EXTERNAL_HOSTS,
  KUBERNETES_API,
  type EndpointTemplate,
  type ServiceTemplate,
  type WorkloadKind,
} from './catalog.js';
import { Rng, mixSeed } from './prng.js';

export const TRUST_DOMAIN = 'cluster.local';

export interface Pod {
  name: string;
  ip: string;
  /** Value of the `version` label (v1 unless a canary adds v2 pods). */
  version: string;
}

export interface Workload {
  /** `<namespace>/<name>`: how callers of the API name a workload. */
  id: string;
  name: string;
  namespace: string;
  serviceAccount: string;
  principal: string;
  /** In-cluster host: `<name>.<namespace>.svc.cluster.local`. */
  host: string;
  clusterIp: string;
  port: number;
  kind: WorkloadKind;
  protocol: 'HTTP/1.1' | 'HTTP/2';
  sidecar: boolean;
  userAgent: string;
  endpoints: readonly EndpointTemplate[];
  /** Pods serving baseline traffic. */
  pods: Pod[];
  /** Pods added later by a scenario (canary v2): known to the pod-IP map, never used by the baseline. */
  extraPods: Pod[];
}

export interface ExternalHost {
  host: string;
  port: number;
  ip: string;
  registered: boolean;
  endpoints: readonly EndpointTemplate[];
}

export interface Edge {
  index: number;
  src: Workload;
  /** An in-mesh workload or an external host (egress). */
  dst: Workload | ExternalHost;
  /** Mean request rate (req/s) at the daily average; the diurnal shape and noise multiply it. */
  baseRate: number;
  /** The endpoints of the destination this caller uses (a stable subset, as real clients do). */
  endpoints: readonly EndpointTemplate[];
  /** Cumulative weights over `endpoints` for sampling. */
  cumulative: readonly number[];
}

export function isWorkload(dst: Workload | ExternalHost): dst is Workload {
  return 'principal' in dst;
}

export interface Topology {
  readonly workloads: readonly Workload[];
  readonly edges: readonly Edge[];
  readonly externalHosts: readonly ExternalHost[];
  readonly namespaces: readonly string[];
  /** The Kubernetes API server (kubernetes.default.svc): reachable by everyone, normally called by one job. */
  readonly kubernetesApi: Workload;
  workload(idOrName: string): Workload | undefined;
  /** Edges a workload calls (its baseline destinations). */
  outgoing(w: Workload): readonly Edge[];
  /** Edges into a workload (its baseline callers). */
  incoming(w: Workload): readonly Edge[];
  /** Pod IP → workload, for parsing logs that carry no identity (ParseOptions.podIps). */
  podIps(): Map<string, WorkloadInfo>;
  /** Add a pod to a workload (canary v2 pods); its IP is allocated from the same range. */
  addPod(w: Workload, version: string, rng: Rng): Pod;
}

const DEFAULT_SERVICES = CATALOG.length;

/** How the ingress gateway's traffic splits over the public routes (the rest of the mesh fans out from them). */
const GATEWAY_SHARE: Readonly<Record<string, number>> = {
  frontend: 0.55,
  products: 0.15,
  search: 0.1,
  recommendations: 0.08,
  reviews: 0.07,
  checkout: 0.05,
};

function makeWorkload(t: ServiceTemplate, index: number, rng: Rng, nextIp: () => string): Workload {
  const sa =
    t.name === 'istio-ingressgateway'
      ? 'istio-ingressgateway-service-account'
      : t.name === 'kubernetes'
        ? 'default'
        : t.name;
  const w: Workload = {
    id: `${t.namespace}/${t.name}`,
    name: t.name,
    namespace: t.namespace,
    serviceAccount: sa,
    principal: `spiffe://${TRUST_DOMAIN}/ns/${t.namespace}/sa/${sa}`,
    host: `${t.name}.${t.namespace}.svc.${TRUST_DOMAIN}`,
    clusterIp:
      t.name === 'kubernetes' ? '10.96.0.1' : `10.96.${Math.floor(index / 200) + 1}.${(index % 200) + 10}`,
    port: t.port ?? 8080,
    kind: t.kind,
    protocol: t.grpc ? 'HTTP/2' : 'HTTP/1.1',
    sidecar: t.sidecar ?? true,
    userAgent: t.userAgent,
    endpoints: t.endpoints,
    pods: [],
    extraPods: [],
  };
  const rs = rng.hex(10);
  for (let i = 0; i < t.replicas; i++)
    w.pods.push({ name: `${t.name}-${rs}-${rng.hex(5)}`, ip: nextIp(), version: 'v1' });
  return w;
}

function cumulativeOf(endpoints: readonly EndpointTemplate[]): number[] {
  let sum = 0;
  return endpoints.map((e) => (sum += e.weight));
}

/** Build the mesh for a seed. `services` takes the first N catalog entries (the gateway counts as one). */
export function buildTopology(seed: number, services = DEFAULT_SERVICES, ratePerSec = 200): Topology {
  const rng = new Rng(mixSeed(seed, 0x70b0));
  const count = Math.max(4, Math.min(services, CATALOG.length));
  let ipCounter = 0;
  // Pod IPs from 10.8.0.0/14, the way a CNI hands them out per node: a few /24s, addresses in sequence.
  const nextIp = (): string => {
    ipCounter++;
    return `10.${8 + (ipCounter % 3)}.${Math.floor(ipCounter / 3) % 250}.${((ipCounter * 7) % 240) + 10}`;
  };
  const templates = CATALOG.slice(0, count);
  const workloads = templates.map((t, i) => makeWorkload(t, i, rng, nextIp));
  const kubernetesApi = makeWorkload(KUBERNETES_API, 999, rng, () => '172.18.0.2');
  kubernetesApi.host = 'kubernetes.default.svc.cluster.local';
  const byName = new Map<string, Workload>();
  for (const w of workloads) byName.set(w.name, w);
  byName.set('kubernetes', kubernetesApi);
  const externalHosts: ExternalHost[] = EXTERNAL_HOSTS.map((h) => ({ ...h }));
  const externalByHost = new Map(externalHosts.map((h) => [h.host, h]));

  // Call graph with relative loads: the gateway carries 1.0, each edge forwards a fraction of its
  // caller's load. Jobs run on their own small schedule. Then everything is scaled to ratePerSec.
  const load = new Map<Workload, number>();
  const raw: { src: Workload; dst: Workload | ExternalHost; rel: number }[] = [];
  const templateOf = new Map(templates.map((t, i) => [workloads[i] as Workload, t]));
  const visiting = new Set<Workload>();
  const order: Workload[] = [];
  const visit = (w: Workload): void => {
    if (visiting.has(w) || order.includes(w)) return;
    visiting.add(w);
    for (const d of templateOf.get(w)?.deps ?? []) {
      const dw = byName.get(d);
      if (dw && dw !== kubernetesApi) visit(dw);
    }
    visiting.delete(w);
    order.unshift(w);
  };
  for (const w of workloads) visit(w);
  // `order` is now callers before callees (reverse post-order).
  for (const w of workloads) load.set(w, w.kind === 'gateway' ? 1 : w.kind === 'job' ? 0.01 : 0);
  for (const w of order) {
    const t = templateOf.get(w);
    if (!t) continue;
    const l = load.get(w) ?? 0;
    const deps = t.deps.map((d) => byName.get(d)).filter((d): d is Workload => d !== undefined);
    for (const dw of deps) {
      const fan = w.kind === 'gateway' ? (GATEWAY_SHARE[dw.name] ?? 0.05) : rng.uniform(0.15, 0.9);
      const rel = Math.max(l * fan, 0.002);
      raw.push({ src: w, dst: dw, rel });
      load.set(dw, (load.get(dw) ?? 0) + rel);
    }
    for (const h of t.egress ?? []) {
      const eh = externalByHost.get(h);
      if (eh) raw.push({ src: w, dst: eh, rel: Math.max(l * rng.uniform(0.02, 0.1), 0.002) });
    }
  }
  const total = raw.reduce((s, e) => s + e.rel, 0) || 1;
  const edges: Edge[] = raw.map((e, index) => {
    const all = e.dst.endpoints.filter((x) => x.profile !== 'health');
    // A caller uses a stable subset of the destination's API, plus its health check now and then.
    const chosen = all.filter((_, i) => i === 0 || rng.chance(0.6));
    const healthEp = e.dst.endpoints.find((x) => x.profile === 'health');
    if (healthEp && rng.chance(0.5)) chosen.push(healthEp);
    const endpoints = chosen.length > 0 ? chosen : e.dst.endpoints.slice(0, 1);
    return {
      index,
      src: e.src,
      dst: e.dst,
      baseRate: (e.rel / total) * ratePerSec,
      endpoints,
      cumulative: cumulativeOf(endpoints),
    };
  });

  const outgoing = new Map<Workload, Edge[]>();
  const incoming = new Map<Workload, Edge[]>();
  for (const e of edges) {
    outgoing.set(e.src, [...(outgoing.get(e.src) ?? []), e]);
    if (isWorkload(e.dst)) incoming.set(e.dst, [...(incoming.get(e.dst) ?? []), e]);
  }
  const namespaces = [...new Set([...workloads.map((w) => w.namespace), 'kube-system'])];

  return {
    workloads,
    edges,
    externalHosts,
    namespaces,
    kubernetesApi,
    workload: (idOrName) =>
      workloads.find((w) => w.id === idOrName || w.name === idOrName) ??
      (idOrName === 'kubernetes' ? kubernetesApi : undefined),
    outgoing: (w) => outgoing.get(w) ?? [],
    incoming: (w) => incoming.get(w) ?? [],
    podIps: () => {
      const m = new Map<string, WorkloadInfo>();
      for (const w of workloads)
        for (const p of [...w.pods, ...w.extraPods])
          m.set(p.ip, { namespace: w.namespace, workload: w.name, serviceAccount: w.serviceAccount });
      return m;
    },
    addPod: (w, version, r) => {
      const pod: Pod = { name: `${w.name}-${version}-${r.hex(10)}-${r.hex(5)}`, ip: nextIp(), version };
      w.extraPods.push(pod);
      return pod;
    },
  };
}

/** Sample one endpoint of an edge by weight. */
export function pickEndpoint(edge: Edge, rng: Rng): EndpointTemplate {
  const c = edge.cumulative;
  const x = rng.next() * (c[c.length - 1] ?? 1);
  for (let i = 0; i < c.length; i++) if (x < (c[i] as number)) return edge.endpoints[i] as EndpointTemplate;
  return edge.endpoints[edge.endpoints.length - 1] as EndpointTemplate;
}
