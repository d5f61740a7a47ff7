/**
 * Renders a simulated request as the access-log records Istio's sidecars write, in Istio's default JSON
 * format (the 24 keys of meshConfig `accessLogEncoding: JSON`), as a log shipper forwards them:
 * - the destination sidecar's inbound record (`inbound|8080||`),
 * - optionally the source sidecar's outbound record (`outbound|8080||<host>`), and for egress only that one,
 * - with `identity: 'spiffe'`: peer URI SANs (a common custom-format addition) and a Fluent Bit
 *   `kubernetes` block for the pod whose sidecar logged it; with `'address'`: neither, as stock Istio.
 * Envoy writes absent values as null, numbers as numbers, and upstream_service_time as a string (it is a
 * header); some shippers turn every value into a string, which is imitated for ~1 request in 10.
 */
import { hash2 } from './prng.js';
import type { SimRequest } from './traffic.js';
import { isWorkload, type Pod, type Workload } from './topology.js';

export interface RenderOptions {
  identity: 'spiffe' | 'address';
  bothSidecars: boolean;
}

export type AccessRecord = Record<string, unknown>;

/** The keys of Istio's default JSON access-log format, in the order the simulator writes them. */
export const ISTIO_JSON_KEYS = [
  'start_time',
  'route_name',
  'method',
  'path',
  'protocol',
  'response_code',
  'response_flags',
  'response_code_details',
  'connection_termination_details',
  'upstream_transport_failure_reason',
  'bytes_received',
  'bytes_sent',
  'duration',
  'upstream_service_time',
  'x_forwarded_for',
  'user_agent',
  'request_id',
  'authority',
  'upstream_host',
  'upstream_cluster',
  'upstream_local_address',
  'downstream_local_address',
  'downstream_remote_address',
  'requested_server_name',
] as const;

const MS_SUFFIX: readonly string[] = Array.from(
  { length: 1000 },
  (_, i) => `.${String(i).padStart(3, '0')}Z`,
);
let cachedSecond = -1;
let cachedPrefix = '';
/** ISO-8601 with milliseconds, as %START_TIME% prints it; the per-second prefix is cached (hot path). */
export function startTime(ms: number): string {
  const sec = Math.floor(ms / 1000);
  if (sec !== cachedSecond) {
    cachedSecond = sec;
    cachedPrefix = new Date(sec * 1000).toISOString().slice(0, 19);
  }
  return cachedPrefix + (MS_SUFFIX[ms - sec * 1000] as string);
}

const BYTE_HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
/** 8 hex digits of a 32-bit number (a table lookup: toString(16) was the renderer's top cost). */
function hex8(n: number): string {
  return (
    (BYTE_HEX[n >>> 24] as string) +
    (BYTE_HEX[(n >>> 16) & 255] as string) +
    (BYTE_HEX[(n >>> 8) & 255] as string) +
    (BYTE_HEX[n & 255] as string)
  );
}
const NIBBLE = '0123456789abcdef';
/** x-request-id as Envoy makes it (UUID v4 layout), derived from the request's entropy. */
export function requestId(entropy: number): string {
  const b = hash2(entropy, 2);
  const c = hash2(entropy, 3);
  return (
    hex8(hash2(entropy, 1)) +
    '-' +
    (BYTE_HEX[b >>> 24] as string) +
    (BYTE_HEX[(b >>> 16) & 255] as string) +
    '-4' +
    NIBBLE[(b >>> 8) & 15] +
    (BYTE_HEX[b & 255] as string) +
    '-a' +
    NIBBLE[(c >>> 24) & 15] +
    (BYTE_HEX[(c >>> 16) & 255] as string) +
    '-' +
    (BYTE_HEX[(c >>> 8) & 255] as string) +
    (BYTE_HEX[c & 255] as string) +
    hex8(hash2(entropy, 4))
  );
}
/** Ephemeral port in the Linux default range. */
export function port(entropy: number, k: number): number {
  return 32768 + (hash2(entropy, k) % 28232);
}

/** Strings that depend only on the workload, computed once (the renderer is the hot path). */
interface WorkloadStrings {
  short: string;
  qualified: string;
  inboundCluster: string;
  outboundCluster: string;
  sni: string;
}
const workloadStrings = new WeakMap<Workload, WorkloadStrings>();
function stringsOf(w: Workload): WorkloadStrings {
  let s = workloadStrings.get(w);
  if (!s) {
    s = {
      short: w.name === 'kubernetes' ? 'kubernetes.default.svc' : `${w.name}:${w.port}`,
      qualified: w.name === 'kubernetes' ? 'kubernetes.default.svc' : `${w.name}.${w.namespace}:${w.port}`,
      inboundCluster: `inbound|${w.port}||`,
      outboundCluster: `outbound|${w.port}||${w.host}`,
      sni: `outbound_.${w.port}_._.${w.host}`,
    };
    workloadStrings.set(w, s);
  }
  return s;
}

export function authorityOf(src: Workload, dst: Workload): string {
  const s = stringsOf(dst);
  return src.namespace === dst.namespace ? s.short : s.qualified;
}

/** The Fluent Bit block for a pod: shared and frozen, since it is the same for every record of the pod. */
const k8sBlocks = new WeakMap<Pod, Readonly<Record<string, unknown>>>();
export function k8sBlock(w: Workload, pod: Pod): Readonly<Record<string, unknown>> {
  let b = k8sBlocks.get(pod);
  if (!b) {
    b = Object.freeze({
      namespace_name: w.namespace,
      pod_name: pod.name,
      container_name: 'istio-proxy',
      service_account: w.serviceAccount,
      labels: Object.freeze({ app: w.name, version: pod.version }),
    });
    k8sBlocks.set(pod, b);
  }
  return b;
}

/** Emit the records one request produces, in the order the sidecars would flush them. */
export function renderRequest(
  req: SimRequest,
  opts: RenderOptions,
  emit: (record: AccessRecord) => void,
): void {
  const dst = req.dst;
  const inMesh = isWorkload(dst);
  const dstHasSidecar = inMesh && dst.sidecar;
  const wantOutbound =
    req.mtls &&
    req.logged !== 'inbound' &&
    (!dstHasSidecar || opts.bothSidecars || req.logged === 'outbound');
  const wantInbound = dstHasSidecar && req.logged !== 'outbound';
  const id = req.http ? requestId(req.entropy) : null;
  if (wantOutbound) emit(outboundRecord(req, opts, id));
  if (wantInbound) emit(inboundRecord(req, opts, id));
}

function numeric(req: SimRequest, v: number): number | string {
  // About one request in ten arrives through a shipper that stringifies numbers.
  return (req.entropy & 0xf) < 2 ? String(v) : v;
}

function inboundRecord(req: SimRequest, opts: RenderOptions, id: string | null): AccessRecord {
  const dst = req.dst as Workload;
  const dstPod = req.dstPod as Pod;
  const denied = req.details.startsWith('rbac_access_denied');
  const rec: AccessRecord = {
    start_time: startTime(req.timeMs),
    route_name: 'default',
    // A plain TCP session has no method, path or protocol (Envoy prints "-").
    method: req.http ? req.method : null,
    path: req.http ? req.path : null,
    protocol: req.http ? dst.protocol : null,
    response_code: numeric(req, req.status),
    // URX and connection flags belong to the caller's sidecar; the receiving one saw a plain answer.
    response_flags: req.flags === 'URX' ? '-' : req.flags,
    response_code_details: req.details,
    connection_termination_details: null,
    upstream_transport_failure_reason: null,
    bytes_received: numeric(req, req.bytesUp),
    bytes_sent: numeric(req, req.bytesDown),
    duration: numeric(req, req.durationMs),
    upstream_service_time: denied ? null : String(Math.max(0, req.durationMs - 1)),
    x_forwarded_for: req.xForwardedFor,
    user_agent: req.userAgent,
    request_id: id,
    authority: authorityOf(req.src, dst),
    upstream_host: denied ? null : `${dstPod.ip}:${dst.port}`,
    upstream_cluster: stringsOf(dst).inboundCluster,
    upstream_local_address: denied ? null : `127.0.0.6:${port(req.entropy, 5)}`,
    downstream_local_address: `${dstPod.ip}:${dst.port}`,
    downstream_remote_address: `${req.srcPod.ip}:${port(req.entropy, 6)}`,
    requested_server_name: req.mtls ? stringsOf(dst).sni : null,
  };
  if (opts.identity === 'spiffe') {
    rec.downstream_peer_uri_san = req.mtls ? req.src.principal : null;
    rec.upstream_peer_uri_san = null;
    rec.kubernetes = k8sBlock(dst, dstPod);
  }
  rec.x_meshguard_label = req.label;
  return rec;
}

function outboundRecord(req: SimRequest, opts: RenderOptions, id: string | null): AccessRecord {
  const dst = req.dst;
  const http = req.http;
  let cluster: string;
  let upstreamHost: string | null;
  let downstreamLocal: string;
  let authority: string | null;
  let sni: string | null = null;
  let peer: string | null = null;
  let route = 'default';
  if (isWorkload(dst)) {
    cluster = stringsOf(dst).outboundCluster;
    const dstPod = req.dstPod as Pod;
    upstreamHost = req.flags === 'UH' ? null : `${dstPod.ip}:${dst.port}`;
    downstreamLocal = `${dst.clusterIp}:${dst.port}`;
    authority = authorityOf(req.src, dst);
    if (dst.sidecar && req.flags !== 'UF' && req.flags !== 'UH') peer = dst.principal;
  } else {
    cluster = dst.registered ? `outbound|${dst.port}||${dst.host}` : 'PassthroughCluster';
    if (!dst.registered) route = 'allow_any';
    upstreamHost = `${dst.ip}:${dst.port}`;
    downstreamLocal = `${dst.ip}:${dst.port}`;
    authority = dst.port === 80 || dst.port === 443 ? dst.host : `${dst.host}:${dst.port}`;
    // TLS from the app to an unregistered host is an opaque TCP stream: only its SNI names the host.
    if (!http && dst.host !== dst.ip) sni = dst.host;
  }
  const srcPort = port(req.entropy, 7);
  const rec: AccessRecord = {
    start_time: startTime(req.timeMs),
    route_name: http ? route : null,
    method: http ? req.method : null,
    path: http ? req.path : null,
    protocol: http ? (isWorkload(dst) ? dst.protocol : 'HTTP/1.1') : null,
    response_code: numeric(req, http ? req.status : 0),
    response_flags: req.flags,
    response_code_details: http
      ? req.details.startsWith('rbac_access_denied')
        ? 'via_upstream'
        : req.details
      : null,
    connection_termination_details: null,
    upstream_transport_failure_reason: null,
    bytes_received: numeric(req, req.bytesUp),
    bytes_sent: numeric(req, req.bytesDown),
    duration: numeric(req, req.durationMs + 1),
    upstream_service_time: http && req.logged !== 'outbound' ? String(req.durationMs) : null,
    x_forwarded_for: req.xForwardedFor,
    user_agent: http ? req.userAgent : null,
    request_id: id,
    authority: http ? authority : null,
    upstream_host: upstreamHost,
    upstream_cluster: cluster,
    upstream_local_address: upstreamHost === null ? null : `${req.srcPod.ip}:${port(req.entropy, 8)}`,
    downstream_local_address: downstreamLocal,
    // The app's own connection to its sidecar (iptables redirect keeps the original addresses).
    downstream_remote_address:
      req.src.kind === 'gateway' && req.xForwardedFor
        ? `${req.xForwardedFor}:0`
        : `${req.srcPod.ip}:${srcPort}`,
    requested_server_name: sni,
  };
  if (opts.identity === 'spiffe') {
    rec.downstream_peer_uri_san = null;
    rec.upstream_peer_uri_san = peer;
    rec.kubernetes = k8sBlock(req.src, req.srcPod);
  }
  rec.x_meshguard_label = req.label;
  return rec;
}
