/**
 * What Envoy's `upstream_cluster` says about a log line: which side of the call wrote it and where the
 * request went.
 * - `inbound|<port>|<subset>|<host>` (host empty since Istio 1.8): logged by the destination's sidecar;
 *   `InboundPassthroughClusterIpv4/Ipv6` (and the older `InboundPassthroughCluster`): inbound to a port no
 *   Service declares.
 * - `outbound|<port>|<subset>|<host>`: logged by the source's sidecar; `PassthroughCluster`: outbound to an
 *   address the mesh does not know (ALLOW_ANY); `BlackHoleCluster`: the same, blocked (REGISTRY_ONLY).
 * Consul's names for the same: `local_app` (inbound to the local application),
 * `<svc>.<ns>[.<partition>].<dc>.internal.<trust domain>.consul` (an upstream service, the name its SNI also
 * carries) and `original-destination` (transparent proxy to an address Consul does not know).
 */
import { MEMO_ENTRIES, Memo } from './memo.js';

export const KIND_UNKNOWN = 0;
const KIND_INBOUND = 1;
export const KIND_OUTBOUND = 2;
export const KIND_PASSTHROUGH = 3;
export const KIND_BLACKHOLE = 4;
const KIND_INBOUND_PASSTHROUGH = 5;

function clusterKind(c: string): number {
  switch (c.charCodeAt(0)) {
    case 105 /* i */:
      if (c.startsWith('inbound|')) return KIND_INBOUND;
      break;
    case 111 /* o */:
      if (c.startsWith('outbound|')) return KIND_OUTBOUND;
      break;
    case 80 /* P */:
      if (c === 'PassthroughCluster') return KIND_PASSTHROUGH;
      break;
    case 66 /* B */:
      if (c === 'BlackHoleCluster') return KIND_BLACKHOLE;
      break;
    case 73 /* I */:
      if (c.startsWith('InboundPassthroughCluster')) return KIND_INBOUND_PASSTHROUGH;
      break;
    case 108 /* l */:
      if (c === 'local_app') return KIND_INBOUND;
      break;
  }
  if (c === 'original-destination') return KIND_PASSTHROUGH;
  if (isConsulUpstream(c)) return KIND_OUTBOUND;
  return KIND_UNKNOWN;
}

/** A Consul upstream cluster: `web.default.dc1.internal.<trust domain>.consul` (also peered `.external.`). */
export function isConsulUpstream(c: string): boolean {
  return c.endsWith('.consul') && (c.indexOf('.internal.') > 0 || c.indexOf('.external.') > 0);
}

/** `outbound|9080|v1|reviews.shop.svc.cluster.local` → `reviews.shop.svc.cluster.local` ('' if absent). */
export function clusterHost(c: string): string {
  const a = c.indexOf('|');
  if (a === -1) return '';
  const b = c.indexOf('|', a + 1);
  if (b === -1) return '';
  const d = c.indexOf('|', b + 1);
  if (d === -1) return '';
  return c.slice(d + 1);
}

/** What an upstream_cluster name says (direction kind, host, via an egress gateway), once per name. */
export class ClusterInfo {
  constructor(
    readonly kind: number,
    readonly host: string,
    readonly egressGateway: boolean,
    /** A Consul service name: inside the mesh whatever the cluster domain says. */
    readonly consul: boolean = false,
  ) {}
}

const clusters = new Memo<ClusterInfo>(MEMO_ENTRIES);

export function clusterInfo(c: string): ClusterInfo {
  let info = clusters.get(c);
  if (info === undefined) {
    const consul = isConsulUpstream(c);
    const host = consul ? c : clusterHost(c);
    info = clusters.set(
      c,
      new ClusterInfo(clusterKind(c), host, host.indexOf('egressgateway') !== -1, consul),
    );
  }
  return info;
}
