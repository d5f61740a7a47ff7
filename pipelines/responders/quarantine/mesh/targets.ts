/**
 * What the incident's evidence says the offender reached: in-mesh destinations (namespace, workload or
 * service, port when known) and external destinations (hosts, addresses). Mesh writers that scope by
 * destination (Linkerd servers, Consul intentions, Cilium rules) read them from here.
 */
import { isIP } from 'node:net';
import { TARGET_KEYS } from '../policy.js';

export interface Destination {
  namespace: string;
  /** Service (host's first label), Consul service, or service account of a principal. */
  name: string;
  port?: number;
}

export interface ExternalTargets {
  hosts: string[];
  addresses: string[];
}

const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** At most this many destinations per quarantine: more is a mesh-wide matter. */
export const MAX_DESTINATIONS = 10;

function portOf(text: string | undefined): number | undefined {
  const n = text ? Number(text) : NaN;
  return Number.isInteger(n) && n > 0 && n < 65536 ? n : undefined;
}

/** One target string → a destination, when it names one inside the mesh. */
export function parseDestination(target: string): Destination | undefined {
  const t = target.trim().toLowerCase();
  // A Kubernetes service host: reviews.shop.svc.cluster.local[:9080]
  const host = /^([a-z0-9-]+)\.([a-z0-9-]+)\.svc(?:\.[a-z0-9.-]*)?(?::(\d+))?$/.exec(t);
  if (host) {
    if (host[1] === 'kubernetes' && host[2] === 'default') return undefined; // the API server
    return { name: host[1]!, namespace: host[2]!, port: portOf(host[3]) };
  }
  // Consul: spiffe://<td>.consul/ns/<ns>/dc/<dc>/svc/<svc>, or an upstream cluster <svc>.<ns>.<dc>.internal.<td>.consul
  const consul = /\/ns\/([a-z0-9-]+)\/dc\/[a-z0-9-]+\/svc\/([a-z0-9-]+)$/.exec(t);
  if (consul) return { name: consul[2]!, namespace: consul[1]! };
  const cluster = /^([a-z0-9-]+)\.([a-z0-9-]+)\.[a-z0-9-]+\.internal\.[a-z0-9.-]+\.consul$/.exec(t);
  if (cluster) return { name: cluster[1]!, namespace: cluster[2]! };
  // A principal: spiffe://cluster.local/ns/shop/sa/reviews
  const principal = /\/ns\/([a-z0-9-]+)\/sa\/([a-z0-9.-]+)$/.exec(t);
  if (principal) return { name: principal[2]!, namespace: principal[1]! };
  return undefined;
}

function fromObject(o: Record<string, unknown>): Destination | undefined {
  const namespace = o.namespace ?? o.dstNamespace;
  const name = o.workload ?? o.service ?? o.name;
  if (typeof namespace !== 'string' || typeof name !== 'string') return undefined;
  if (!LABEL.test(namespace) || !LABEL.test(name)) return undefined;
  return { namespace, name, port: portOf(String(o.port ?? '')) };
}

function scan(ev: Record<string, unknown>, add: (d: Destination) => void, ext: ExternalTargets): void {
  for (const key of [...TARGET_KEYS, 'destination']) {
    const v = ev[key];
    for (const item of Array.isArray(v) ? v : [v]) {
      if (typeof item === 'string') {
        const d = parseDestination(item);
        if (d) add(d);
      } else if (typeof item === 'object' && item !== null) {
        const d = fromObject(item as Record<string, unknown>);
        if (d) add(d);
      }
    }
  }
  const host = ev.external_host ?? ev.externalHost;
  if (typeof host === 'string' && host) {
    const bare = isIP(host) ? host : host.replace(/:\d+$/, '').toLowerCase();
    if (isIP(bare)) ext.addresses.push(bare);
    else if (/^[a-z0-9.-]{1,253}$/.test(bare)) ext.hosts.push(bare);
  }
  for (const key of ['external_addresses', 'dst_addresses']) {
    const v = ev[key];
    if (Array.isArray(v))
      for (const a of v) {
        const bare = typeof a === 'string' ? (isIP(a) ? a : a.replace(/:\d+$/, '')) : '';
        if (isIP(bare)) ext.addresses.push(bare);
      }
  }
}

/** The in-mesh destinations and the external targets the evidence (and its findings) names. */
export function targetsOf(evidence: Record<string, unknown>): {
  destinations: Destination[];
  external: ExternalTargets;
} {
  const seen = new Map<string, Destination>();
  const external: ExternalTargets = { hosts: [], addresses: [] };
  const add = (d: Destination): void => {
    const key = `${d.namespace}/${d.name}/${d.port ?? ''}`;
    if (!seen.has(key)) seen.set(key, d);
  };
  const ev = typeof evidence === 'object' && evidence !== null ? evidence : {};
  scan(ev, add, external);
  if (Array.isArray(ev.findings))
    for (const f of ev.findings)
      if (typeof f === 'object' && f !== null) scan(f as Record<string, unknown>, add, external);
  // A destination known with a port makes the same one without a port redundant.
  const all = [...seen.values()];
  const destinations = all
    .filter(
      (d) =>
        d.port !== undefined ||
        !all.some((o) => o !== d && o.namespace === d.namespace && o.name === d.name && o.port !== undefined),
    )
    .sort((a, b) =>
      `${a.namespace}/${a.name}/${a.port ?? 0}`.localeCompare(`${b.namespace}/${b.name}/${b.port ?? 0}`),
    );
  return {
    destinations,
    external: {
      hosts: [...new Set(external.hosts)].sort(),
      addresses: [...new Set(external.addresses)].sort(),
    },
  };
}
