/**
 * What Envoy's `upstream_cluster` says about a log line: which side of the call wrote it and where the
 * request went.
 * - `inbound|<port>|<subset>|<host>` (host empty since Istio 1.8): logged by the destination's sidecar;
 *   `InboundPassthroughClusterIpv4/Ipv6` (and the older `InboundPassthroughCluster`): inbound to a port no
 *   Service declares.
 * - `outbound|<port>|<subset>|<host>`: logged by the source's sidecar; `PassthroughCluster`: outbound to an
 *   address the mesh does not know (ALLOW_ANY); `BlackHoleCluster`: the same, blocked (REGISTRY_ONLY).
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
  }
  return KIND_UNKNOWN;
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
  ) {}
}

const clusters = new Memo<ClusterInfo>(MEMO_ENTRIES);

export function clusterInfo(c: string): ClusterInfo {
  let info = clusters.get(c);
  if (info === undefined) {
    const host = clusterHost(c);
    info = clusters.set(c, new ClusterInfo(clusterKind(c), host, host.indexOf('egressgateway') !== -1));
  }
  return info;
}
