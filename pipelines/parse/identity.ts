/**
 * Who called whom, from whichever clues a log line carries: the last step of the record builder.
 *
 * Direction comes from `upstream_cluster` (upstream-cluster.ts): inbound lines are written by the
 * destination's sidecar, outbound ones (and Passthrough / BlackHole) by the source's.
 *
 * Identity, strongest first: peer URI SANs (SPIFFE, present only with mTLS), the shipper's Kubernetes
 * metadata about the pod that wrote the line, the mTLS SNI (`outbound_.<port>_.<subset>_.<host>`),
 * the authority, and finally addresses (`ip:<address>`), resolved through opts.podIps where known.
 */
import type { MeshEvent } from '../core/event.js';
import { addressHost, hostOnly, sniHostCached } from './addresses.js';
import type { K8sMeta } from './kubernetes.js';
import {
  hostInfoOf,
  inboundAuthorityHost,
  isMeshHostCached,
  meshHostsOf,
  principalFor,
} from './mesh-hosts.js';
import type { ParseOptions } from './options.js';
import { spiffeParts } from './spiffe.js';
import {
  KIND_BLACKHOLE,
  KIND_OUTBOUND,
  KIND_PASSTHROUGH,
  KIND_UNKNOWN,
  clusterInfo,
  type ClusterInfo,
} from './upstream-cluster.js';

/**
 * Fill the identity fields of `ev` (direction, src*, dst*, egress, externalHost, mtls). `ev.authority` and
 * `ev.upstreamCluster` are already set; the other clues come as arguments so no record object is kept.
 */
export function resolveIdentity(
  ev: MeshEvent,
  sni: string,
  upstreamHost: string,
  remoteAddress: string,
  localAddress: string,
  peerSan: string,
  upstreamPeerSan: string,
  localSan: string,
  meta: K8sMeta,
  opts: ParseOptions,
): void {
  const cluster = clusterInfo(ev.upstreamCluster);
  const kind = cluster.kind;
  if (kind === KIND_OUTBOUND || kind === KIND_PASSTHROUGH || kind === KIND_BLACKHOLE) {
    resolveOutbound(ev, cluster, sni, upstreamHost, remoteAddress, upstreamPeerSan, meta, opts);
  } else {
    // Inbound, and unknown clusters too: without a direction the best reading of a line is still
    // "the caller is the downstream peer"; direction stays 'unknown' so detectors can tell.
    ev.direction = kind === KIND_UNKNOWN ? 'unknown' : 'inbound';
    resolveInbound(ev, cluster, sni, remoteAddress, localAddress, peerSan, localSan, meta, opts);
  }
}

function resolveInbound(
  ev: MeshEvent,
  cluster: ClusterInfo,
  sni: string,
  remoteAddress: string,
  localAddress: string,
  peerSan: string,
  localSan: string,
  meta: K8sMeta,
  opts: ParseOptions,
): void {
  const hosts = meshHostsOf(opts);
  // Source: the caller, proven by its certificate when mTLS was used, else only its address.
  const ip = addressHost(remoteAddress);
  ev.srcAddress = ip;
  const peer = spiffeParts(peerSan);
  if (peer.id !== '') {
    ev.src = peer.id;
    ev.srcPrincipal = peer.id;
    ev.mtls = true;
    ev.srcNamespace = peer.namespace;
    ev.srcServiceAccount = peer.serviceAccount;
  } else {
    if (ip !== '') ev.src = `ip:${ip}`;
    // Istio's auto-mTLS client always sends this SNI, so the caller did present a SPIFFE certificate even
    // though the default log format does not record which one.
    if (sni.startsWith('outbound_.')) ev.mtls = true;
  }
  if (ip !== '' && opts.podIps !== undefined) {
    const w = opts.podIps.get(ip);
    if (w !== undefined) {
      if (ev.srcNamespace === '') ev.srcNamespace = w.namespace;
      if (ev.srcServiceAccount === '') ev.srcServiceAccount = w.serviceAccount;
      ev.srcWorkload = w.workload;
    }
  }

  // Destination: the workload that wrote the line.
  ev.dstNamespace = meta.namespace;
  ev.dstServiceAccount = meta.serviceAccount;
  const local = spiffeParts(localSan);
  if (local.id !== '') {
    ev.dstPrincipal = local.id;
    if (ev.dstNamespace === '') ev.dstNamespace = local.namespace;
    if (ev.dstServiceAccount === '') ev.dstServiceAccount = local.serviceAccount;
  } else if (meta.serviceAccount !== '' && meta.namespace !== '') {
    ev.dstPrincipal = principalFor(meta.namespace, meta.serviceAccount, hosts);
  }
  // dst key: the service host, from the (pre-1.8) inbound cluster name, the mTLS SNI, or the authority.
  let host = cluster.host;
  if (host === '') host = sniHostCached(sni);
  if (host === '' && ev.authority !== '') host = inboundAuthorityHost(ev.authority, ev.dstNamespace, hosts);
  if (ev.dstNamespace === '' && host !== '') ev.dstNamespace = hostInfoOf(host, hosts, opts).namespace;
  if (host !== '') ev.dst = host;
  else if (ev.dstPrincipal !== '') ev.dst = ev.dstPrincipal;
  else {
    const lip = addressHost(localAddress);
    if (lip !== '') ev.dst = `ip:${lip}`;
  }
}

function resolveOutbound(
  ev: MeshEvent,
  cluster: ClusterInfo,
  sni: string,
  upstreamHost: string,
  remoteAddress: string,
  upstreamPeerSan: string,
  meta: K8sMeta,
  opts: ParseOptions,
): void {
  ev.direction = 'outbound';
  const hosts = meshHostsOf(opts);

  // Source: the workload that wrote the line. Its principal is only as good as the metadata it is built from.
  const ip = meta.podIp !== '' ? meta.podIp : addressHost(remoteAddress);
  ev.srcAddress = ip;
  ev.srcNamespace = meta.namespace;
  ev.srcServiceAccount = meta.serviceAccount;
  ev.srcWorkload = meta.workload;
  if (meta.serviceAccount !== '' && meta.namespace !== '') {
    const principal = principalFor(meta.namespace, meta.serviceAccount, hosts);
    ev.src = principal;
    ev.srcPrincipal = principal;
  } else if (ip !== '') {
    ev.src = `ip:${ip}`;
  }
  if (ip !== '' && opts.podIps !== undefined && (ev.srcNamespace === '' || ev.srcWorkload === '')) {
    const w = opts.podIps.get(ip);
    if (w !== undefined) {
      if (ev.srcNamespace === '') ev.srcNamespace = w.namespace;
      if (ev.srcServiceAccount === '') ev.srcServiceAccount = w.serviceAccount;
      if (ev.srcWorkload === '') ev.srcWorkload = w.workload;
    }
  }

  // Destination host.
  let host: string;
  if (cluster.kind === KIND_OUTBOUND) {
    host = cluster.host;
    // Through an egress gateway the cluster is the gateway; the real destination is the authority / SNI.
    if (cluster.egressGateway) {
      const target = ev.authority !== '' ? hostOnly(ev.authority) : sniHostCached(sni);
      if (target !== '') host = target;
    }
  } else {
    host = hostOnly(ev.authority);
    if (host === '') host = sniHostCached(sni);
    if (host === '') host = addressHost(upstreamHost);
  }

  const peer = spiffeParts(upstreamPeerSan);
  const principal = peer.id;
  if (principal !== '') {
    ev.dstPrincipal = principal;
    ev.mtls = true;
    ev.dstNamespace = peer.namespace;
    ev.dstServiceAccount = peer.serviceAccount;
  } else if (host !== '') {
    ev.dstNamespace = hostInfoOf(host, hosts, opts).namespace;
  }

  if (host !== '') {
    ev.dst = host;
    if (!cluster.consul && !isMeshHostCached(host, hosts, opts)) {
      ev.egress = true;
      ev.externalHost = host;
    }
  } else if (principal !== '') {
    ev.dst = principal;
  } else {
    const uip = addressHost(upstreamHost);
    if (uip !== '') ev.dst = `ip:${uip}`;
  }
}
