/**
 * Who called whom, from whichever clues a log line carries. Shared by every parser.
 *
 * Direction comes from `upstream_cluster`, which names the Envoy cluster the request went to:
 * - `inbound|<port>|<subset>|<host>` (host empty since Istio 1.8): logged by the destination's sidecar;
 *   `InboundPassthroughClusterIpv4/Ipv6` (and the older `InboundPassthroughCluster`): inbound to a port no
 *   Service declares.
 * - `outbound|<port>|<subset>|<host>`: logged by the source's sidecar; `PassthroughCluster`: outbound to an
 *   address the mesh does not know (ALLOW_ANY); `BlackHoleCluster`: the same, blocked (REGISTRY_ONLY).
 *
 * Identity, strongest first: peer URI SANs (SPIFFE, present only with mTLS), the shipper's Kubernetes
 * metadata about the pod that wrote the line, the mTLS SNI (`outbound_.<port>_.<subset>_.<host>`),
 * the authority, and finally addresses (`ip:<address>`), resolved through opts.podIps where known.
 */
import type { MeshEvent } from '../core/event.js';
import type { ParseOptions } from './index.js';
import type { K8sMeta } from './kubernetes.js';
import { MEMO_ENTRIES, Memo } from './memo.js';

const KIND_UNKNOWN = 0;
const KIND_INBOUND = 1;
const KIND_OUTBOUND = 2;
const KIND_PASSTHROUGH = 3;
const KIND_BLACKHOLE = 4;
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

/** `10.0.0.1:8080` → `10.0.0.1`, `[fd00::1]:80` → `fd00::1`; '' for Envoy-internal or absent addresses. */
export function addressHost(a: string): string {
  if (a === '') return '';
  const c0 = a.charCodeAt(0);
  if (c0 === 91 /* [ */) {
    const end = a.indexOf(']');
    return end === -1 ? '' : a.slice(1, end);
  }
  // envoy://internal_client_address/ (ambient / internal listeners) and unix sockets carry no IP.
  if (c0 === 101 /* e */ && a.startsWith('envoy://')) return '';
  if (c0 === 47 /* / */ || a.startsWith('unix:')) return '';
  // Older Envoy printed upstream hosts as tcp://10.0.2.1:80.
  if (c0 === 116 /* t */ && a.startsWith('tcp://')) return addressHost(a.slice(6));
  const colon = a.lastIndexOf(':');
  if (colon === -1) return a;
  // A bare IPv6 address without brackets has more than one colon: keep it whole.
  return a.indexOf(':') === colon ? a.slice(0, colon) : a;
}

/** Authority / SNI host without its port, lower-cased (hosts are case-insensitive). */
export function hostOnly(h: string): string {
  if (h === '') return '';
  if (h.charCodeAt(0) === 91) return addressHost(h);
  const colon = h.lastIndexOf(':');
  const host = colon === -1 || h.indexOf(':') !== colon ? h : h.slice(0, colon);
  return host.toLowerCase();
}

/** mTLS SNI `outbound_.8000_._.httpbin.foo.svc.cluster.local` → the service host; other SNIs as they are. */
export function sniHost(sni: string): string {
  if (sni === '') return '';
  if (!sni.startsWith('outbound_.')) return sni.toLowerCase();
  const a = sni.indexOf('_.', 10);
  if (a === -1) return '';
  const b = sni.indexOf('_.', a + 2);
  return b === -1 ? '' : sni.slice(b + 2);
}

/**
 * First SPIFFE id in a URI-SAN field (Envoy joins several SANs with commas); '' when there is none.
 * `spiffe://cluster.local/ns/shop/sa/frontend`
 */
export function spiffeOf(san: string): string {
  if (san === '') return '';
  const at = san.indexOf('spiffe://');
  if (at === -1) return '';
  const end = san.indexOf(',', at);
  return end === -1 ? (at === 0 ? san : san.slice(at)) : san.slice(at, end);
}

/** Namespace segment of a SPIFFE id ('' when it does not follow Istio's /ns/<ns>/sa/<sa> layout). */
export function spiffeNamespace(id: string): string {
  const a = id.indexOf('/ns/');
  if (a === -1) return '';
  const b = id.indexOf('/', a + 4);
  return b === -1 ? '' : id.slice(a + 4, b);
}

/** Service-account segment of a SPIFFE id. */
export function spiffeServiceAccount(id: string): string {
  const a = id.indexOf('/sa/');
  if (a === -1) return '';
  const b = id.indexOf('/', a + 4);
  return b === -1 ? id.slice(a + 4) : id.slice(a + 4, b);
}

/** `reviews.shop.svc.cluster.local` → `shop` (only for hosts under `.svc.<clusterDomain>`). */
function namespaceOfServiceHost(host: string, svcSuffix: string): string {
  if (!host.endsWith(svcSuffix)) return '';
  const end = host.length - svcSuffix.length;
  const dot = host.lastIndexOf('.', end - 1);
  return dot === -1 ? '' : host.slice(dot + 1, end);
}

function isIpLiteral(h: string): boolean {
  if (h === '') return false;
  if (h.indexOf(':') !== -1) return true; // IPv6
  const first = h.charCodeAt(0);
  const last = h.charCodeAt(h.length - 1);
  return first >= 48 && first <= 57 && last >= 48 && last <= 57;
}

/** Per-options precomputed suffixes, so the hot path does no string concatenation. */
class MeshHosts {
  readonly svcSuffix: string;
  readonly domainSuffix: string;
  readonly domain: string;
  readonly extra: string[];
  readonly trustDomain: string;
  /** Per-options caches (see memo.ts): they die with this object when the options change. */
  readonly hostInfo = new Memo<HostInfo>(MEMO_ENTRIES);
  readonly principals = new Memo<Memo<string>>(MEMO_ENTRIES);
  readonly authorityHosts = new Memo<Memo<string>>(MEMO_ENTRIES);
  constructor(opts: ParseOptions) {
    this.trustDomain = opts.trustDomain;
    this.domain = opts.clusterDomain.toLowerCase();
    this.svcSuffix = `.svc.${this.domain}`;
    this.domainSuffix = `.${this.domain}`;
    // Accept `example.internal`, `.example.internal` and `*.example.internal` alike.
    this.extra = opts.meshHosts.map((h) => h.toLowerCase().replace(/^\*?\./, ''));
  }
}

let cachedOpts: ParseOptions | undefined;
let cachedHosts: MeshHosts | undefined;

function meshHostsOf(opts: ParseOptions): MeshHosts {
  if (cachedOpts !== opts || cachedHosts === undefined) {
    cachedHosts = new MeshHosts(opts);
    cachedOpts = opts;
  }
  return cachedHosts;
}

/** What a destination host means under these options, derived once per distinct host. */
class HostInfo {
  constructor(
    /** Namespace of a `.svc.<clusterDomain>` host, else ''. */
    readonly namespace: string,
    /** isMeshHost for names; IP literals are looked up live (opts.podIps may change). */
    readonly meshName: boolean,
    readonly ipLiteral: boolean,
  ) {}
}

function hostInfoOf(host: string, hosts: MeshHosts, opts: ParseOptions): HostInfo {
  let info = hosts.hostInfo.get(host);
  if (info === undefined) {
    const ip = isIpLiteral(host);
    info = hosts.hostInfo.set(
      host,
      new HostInfo(namespaceOfServiceHost(host, hosts.svcSuffix), !ip && isMeshHost(host, opts), ip),
    );
  }
  return info;
}

function isMeshHostCached(host: string, hosts: MeshHosts, opts: ParseOptions): boolean {
  if (host === '') return true;
  const info = hostInfoOf(host, hosts, opts);
  return info.ipLiteral ? opts.podIps !== undefined && opts.podIps.has(host) : info.meshName;
}

/** `spiffe://<td>/ns/<ns>/sa/<sa>` for a pod's namespace and service account: one string object per pair. */
function principalFor(namespace: string, serviceAccount: string, hosts: MeshHosts): string {
  let bySa = hosts.principals.get(namespace);
  if (bySa === undefined) bySa = hosts.principals.set(namespace, new Memo<string>(MEMO_ENTRIES));
  let p = bySa.get(serviceAccount);
  if (p === undefined)
    p = bySa.set(serviceAccount, `spiffe://${hosts.trustDomain}/ns/${namespace}/sa/${serviceAccount}`);
  return p;
}

/** What an upstream_cluster name says (direction kind, host, via an egress gateway), once per name. */
class ClusterInfo {
  constructor(
    readonly kind: number,
    readonly host: string,
    readonly egressGateway: boolean,
  ) {}
}

const clusters = new Memo<ClusterInfo>(MEMO_ENTRIES);

function clusterInfo(c: string): ClusterInfo {
  let info = clusters.get(c);
  if (info === undefined) {
    const host = clusterHost(c);
    info = clusters.set(c, new ClusterInfo(clusterKind(c), host, host.indexOf('egressgateway') !== -1));
  }
  return info;
}

/** A URI-SAN field's SPIFFE id and its namespace / service account, once per distinct field value. */
class Spiffe {
  constructor(
    readonly id: string,
    readonly namespace: string,
    readonly serviceAccount: string,
  ) {}
}

const NO_SPIFFE = new Spiffe('', '', '');
const spiffes = new Memo<Spiffe>(MEMO_ENTRIES);

/** The SPIFFE id in a SAN list with its namespace and service account, memoized per string. */
export function spiffeParts(san: string): Spiffe {
  if (san === '') return NO_SPIFFE;
  let s = spiffes.get(san);
  if (s === undefined) {
    const id = spiffeOf(san);
    s = spiffes.set(
      san,
      id === '' ? NO_SPIFFE : new Spiffe(id, spiffeNamespace(id), spiffeServiceAccount(id)),
    );
  }
  return s;
}

const sniHosts = new Memo<string>(MEMO_ENTRIES);

function sniHostCached(sni: string): string {
  if (sni === '') return '';
  let h = sniHosts.get(sni);
  if (h === undefined) h = sniHosts.set(sni, sniHost(sni));
  return h;
}

/**
 * Whether a host (no port) is inside the mesh: a short name, anything under the cluster domain, any
 * configured mesh host suffix, or an IP that opts.podIps knows as a pod.
 */
export function isMeshHost(host: string, opts: ParseOptions): boolean {
  if (host === '') return true;
  if (isIpLiteral(host)) return opts.podIps !== undefined && opts.podIps.has(host);
  if (host.indexOf('.') === -1) return true;
  const m = meshHostsOf(opts);
  if (host === m.domain || host.endsWith(m.domainSuffix)) return true;
  for (let i = 0; i < m.extra.length; i++) {
    const e = m.extra[i] as string;
    if (host === e || (host.endsWith(e) && host.charCodeAt(host.length - e.length - 1) === 46)) return true;
  }
  return false;
}

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

/** The inbound destination named by the authority, in its canonical form; memoized per (authority, namespace). */
function inboundAuthorityHost(authority: string, dstNamespace: string, hosts: MeshHosts): string {
  let byNs = hosts.authorityHosts.get(authority);
  if (byNs === undefined) byNs = hosts.authorityHosts.set(authority, new Memo<string>(64));
  let host = byNs.get(dstNamespace);
  if (host === undefined)
    host = byNs.set(dstNamespace, canonicalAuthorityHost(authority, dstNamespace, hosts));
  return host;
}

function canonicalAuthorityHost(authority: string, dstNamespace: string, hosts: MeshHosts): string {
  const auth = hostOnly(authority);
  if (auth === '' || isIpLiteral(auth)) return '';
  // Inbound, the authority names a service of this mesh in whatever short form the caller used
  // (reviews, reviews.shop, reviews.shop.svc): one canonical name, so every caller's edge agrees.
  const firstDot = auth.indexOf('.');
  if (firstDot === -1) return dstNamespace !== '' ? `${auth}.${dstNamespace}${hosts.svcSuffix}` : auth;
  if (auth.indexOf('.', firstDot + 1) === -1) return `${auth}${hosts.svcSuffix}`;
  if (auth.endsWith('.svc')) return `${auth.slice(0, -4)}${hosts.svcSuffix}`;
  return auth;
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
    if (!isMeshHostCached(host, hosts, opts)) {
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
