/**
 * Linkerd proxy access records (the `config.linkerd.io/access-log: json|apache` annotation), the part both
 * linkerd-json and linkerd-apache share: one inbound HTTP request as the destination's proxy saw it, the
 * caller named by its mTLS identity (`client.id`), the destination by the shipper's metadata about the pod
 * whose proxy wrote the line.
 */
import { emptyEvent, type ParseResult } from '../core/event.js';
import { addressHost, hostOnly, isIpLiteral } from './addresses.js';
import type { K8sMeta } from './kubernetes.js';
import { inboundAuthorityHost, meshHostsOf } from './mesh-hosts.js';
import type { ParseOptions } from './options.js';
import { reject } from './parser.js';
import { MAX_BYTES, MAX_STATUS, count, isoTime, pathOnly, problem, resetProblem, text } from './values.js';

/** The fields of one Linkerd access record as the proxy names them. */
export interface LinkerdRecord {
  clientAddr: unknown;
  clientId: unknown;
  timestamp: unknown;
  method: unknown;
  uri: unknown;
  version: unknown;
  status: unknown;
  requestBytes?: unknown;
  responseBytes?: unknown;
  totalNs?: unknown;
  userAgent?: unknown;
  host?: unknown;
  traceId?: unknown;
}

const IDENTITY_MARK = '.serviceaccount.identity.linkerd.';

/** `<sa>.<ns>.serviceaccount.identity.linkerd.<trust domain>` → [namespace, service account], or null. */
export function linkerdIdentityParts(id: string): [string, string] | null {
  const at = id.indexOf(IDENTITY_MARK);
  if (at <= 0) return null;
  const dot = id.lastIndexOf('.', at - 1);
  if (dot <= 0) return null;
  return [id.slice(dot + 1, at), id.slice(0, dot)];
}

/** The identity Linkerd gives a pod of this namespace and service account. */
export function linkerdIdentity(namespace: string, serviceAccount: string, trustDomain: string): string {
  return `${serviceAccount}.${namespace}${IDENTITY_MARK}${trustDomain}`;
}

/**
 * A kubelet probe: no client identity, the kubelet's user agent (or, in the apache format, which has none,
 * a health path), a GET that succeeded. Probes come every few seconds to every pod and say nothing about
 * the callers; a plaintext request with a forged user agent that was refused or not found still counts.
 */
function isProbe(clientId: string, method: string, userAgent: string, path: string, status: number): boolean {
  if (clientId !== '' || method !== 'GET' || status < 200 || status >= 400) return false;
  // The apache format has no user agent: there, only the usual health paths count as probes.
  return userAgent !== '' ? userAgent.startsWith('kube-probe/') : PROBE_PATH.test(path);
}

const PROBE_PATH = /^\/(?:ping|healthz?|readyz?|livez?|ready|live|status)(?:\/|$)/;

/** `http://webapp:7000/authors?x=1` → ['webapp:7000', '/authors']; a path stays a path. */
function splitUri(uri: string): [string, string] {
  const scheme = uri.indexOf('://');
  if (scheme === -1 || scheme > 8) return ['', pathOnly(uri)];
  const slash = uri.indexOf('/', scheme + 3);
  if (slash === -1) return [uri.slice(scheme + 3), '/'];
  return [uri.slice(scheme + 3, slash), pathOnly(uri.slice(slash))];
}

/** The event, a rejection, or null for a kubelet probe (see isProbe). */
export function buildLinkerdEvent(r: LinkerdRecord, meta: K8sMeta, opts: ParseOptions): ParseResult | null {
  resetProblem();
  const ev = emptyEvent();
  ev.timeMs = isoTime(r.timestamp, 'timestamp');
  // Linkerd logs inbound requests only: the line's writer is the destination.
  ev.direction = 'inbound';
  ev.method = text(r.method, 'method');
  const [uriAuthority, path] = splitUri(text(r.uri, 'uri'));
  ev.path = path;
  ev.protocol = text(r.version, 'version');
  ev.status = count(r.status, 'status', MAX_STATUS);
  ev.bytesUp = count(r.requestBytes, 'request_bytes', MAX_BYTES);
  ev.bytesDown = count(r.responseBytes, 'response_bytes', MAX_BYTES);
  ev.durationMs = Math.round(count(r.totalNs, 'total_ns', MAX_BYTES) / 1e6);
  ev.userAgent = text(r.userAgent, 'user_agent');
  ev.requestId = text(r.traceId, 'trace_id');
  ev.authority = text(r.host, 'host') || uriAuthority;
  const clientId = text(r.clientId, 'client.id');
  const clientAddr = text(r.clientAddr, 'client.addr');
  const bad = problem();
  if (bad !== '') return reject(bad);
  if (isProbe(clientId, ev.method, ev.userAgent, ev.path, ev.status)) return null;

  ev.srcAddress = addressHost(clientAddr);
  // client.addr is the inbound proxy's socket peer; Linkerd does not take it from X-Forwarded-For.
  ev.srcAddressDirect = ev.srcAddress !== '';
  const parts = clientId === '' ? null : linkerdIdentityParts(clientId);
  if (clientId !== '' && parts === null) return reject(`client.id: not a Linkerd identity: '${clientId}'`);
  if (parts !== null) {
    // The caller's identity as Linkerd's own policies name it (MeshTLSAuthentication identities).
    ev.src = clientId;
    ev.srcPrincipal = clientId;
    ev.srcNamespace = parts[0];
    ev.srcServiceAccount = parts[1];
    ev.mtls = true;
  } else if (ev.srcAddress !== '') ev.src = `ip:${ev.srcAddress}`;
  if (ev.srcAddress !== '' && opts.podIps !== undefined) {
    const w = opts.podIps.get(ev.srcAddress);
    if (w !== undefined) {
      if (ev.srcNamespace === '') ev.srcNamespace = w.namespace;
      if (ev.srcServiceAccount === '') ev.srcServiceAccount = w.serviceAccount;
      ev.srcWorkload = w.workload;
    }
  }

  ev.dstNamespace = meta.namespace;
  ev.dstServiceAccount = meta.serviceAccount;
  if (meta.namespace !== '' && meta.serviceAccount !== '')
    ev.dstPrincipal = linkerdIdentity(meta.namespace, meta.serviceAccount, opts.trustDomain);
  const hosts = meshHostsOf(opts);
  const host = hostOnly(ev.authority);
  if (host !== '' && !isIpLiteral(host)) ev.dst = inboundAuthorityHost(ev.authority, meta.namespace, hosts);
  else if (meta.workload !== '' && meta.namespace !== '')
    ev.dst = `${meta.workload}.${meta.namespace}${hosts.svcSuffix}`;
  else if (host !== '') ev.dst = `ip:${host}`;
  return { ok: true, event: ev };
}
