/**
 * Inside the mesh or not, under the options: the cluster domain, extra mesh host suffixes, pod IPs. Also
 * the names the mesh gives its workloads (principals) and services (canonical authority hosts).
 */
import { hostOnly, isIpLiteral } from './addresses.js';
import { MEMO_ENTRIES, Memo } from './memo.js';
import type { ParseOptions } from './options.js';

/** `reviews.shop.svc.cluster.local` → `shop` (only for hosts under `.svc.<clusterDomain>`). */
function namespaceOfServiceHost(host: string, svcSuffix: string): string {
  if (!host.endsWith(svcSuffix)) return '';
  const end = host.length - svcSuffix.length;
  const dot = host.lastIndexOf('.', end - 1);
  return dot === -1 ? '' : host.slice(dot + 1, end);
}

/** Per-options precomputed suffixes, so the hot path does no string concatenation. */
export class MeshHosts {
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

export function meshHostsOf(opts: ParseOptions): MeshHosts {
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

export function hostInfoOf(host: string, hosts: MeshHosts, opts: ParseOptions): HostInfo {
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

export function isMeshHostCached(host: string, hosts: MeshHosts, opts: ParseOptions): boolean {
  if (host === '') return true;
  const info = hostInfoOf(host, hosts, opts);
  return info.ipLiteral ? opts.podIps !== undefined && opts.podIps.has(host) : info.meshName;
}

/** `spiffe://<td>/ns/<ns>/sa/<sa>` for a pod's namespace and service account: one string object per pair. */
export function principalFor(namespace: string, serviceAccount: string, hosts: MeshHosts): string {
  let bySa = hosts.principals.get(namespace);
  if (bySa === undefined) bySa = hosts.principals.set(namespace, new Memo<string>(MEMO_ENTRIES));
  let p = bySa.get(serviceAccount);
  if (p === undefined)
    p = bySa.set(serviceAccount, `spiffe://${hosts.trustDomain}/ns/${namespace}/sa/${serviceAccount}`);
  return p;
}

/**
 * Whether a host (no port) is inside the mesh: a short name, anything under the cluster domain, any
 * configured mesh host suffix, or an IP that opts.podIps knows as a pod.
 */
function isMeshHost(host: string, opts: ParseOptions): boolean {
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

/** The inbound destination named by the authority, in its canonical form; memoized per (authority, namespace). */
export function inboundAuthorityHost(authority: string, dstNamespace: string, hosts: MeshHosts): string {
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
