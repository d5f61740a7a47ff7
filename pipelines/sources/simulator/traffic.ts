/**
 * One simulated request, before it is rendered as the access-log records the sidecars would write, and
 * the baseline traffic model: per-edge Poisson arrivals with a diurnal shape and slow noise, endpoints,
 * status mix, sizes and latencies.
 */
import type { EndpointTemplate, StatusProfile } from './catalog.js';
import type { Rng } from './prng.js';
import { hashUniform } from './prng.js';
import {
  isWorkload,
  pickEndpoint,
  type Edge,
  type ExternalHost,
  type Pod,
  type Workload,
} from './topology.js';

export interface SimRequest {
  timeMs: number;
  src: Workload;
  srcPod: Pod;
  dst: Workload | ExternalHost;
  /** Destination pod (in-mesh only). */
  dstPod: Pod | undefined;
  /** How an egress request leaves: a ServiceEntry cluster (`registered`) or PassthroughCluster. */
  egressVia: 'registered' | 'passthrough' | '';
  /** False for TLS tunnelled through the sidecar (HTTPS from the app to an unregistered host): L4 record only. */
  http: boolean;
  method: string;
  path: string;
  status: number;
  /** Envoy response flags; '-' when none. */
  flags: string;
  details: string;
  bytesUp: number;
  bytesDown: number;
  durationMs: number;
  userAgent: string;
  /** False when the caller bypassed its sidecar: no peer identity, no outbound record. */
  mtls: boolean;
  /** Which sidecars logged it ('both' honours the bothSidecars option). */
  logged: 'both' | 'outbound' | 'inbound';
  xForwardedFor: string | null;
  /** Scenario label ('' for baseline). */
  label: string;
  /**
   * 32 random bits drawn when the request was made: the renderer derives request ids and ephemeral ports
   * from it, so rendering draws nothing and output does not depend on how generate() intervals are cut.
   */
  entropy: number;
}

const BROWSER_UAS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
  'MeshShop/5.12.0 (Android 14; Pixel 8)',
];

/**
 * Diurnal shape in [0.35, 1.65]: quiet around 03:00 UTC, busiest mid-afternoon, so per-hour baselines
 * matter and a detector that ignores time of day sees false surges.
 */
export function diurnal(tMs: number): number {
  const hour = (tMs / 3_600_000) % 24;
  return 1 + 0.65 * Math.sin(((hour - 9) / 24) * 2 * Math.PI);
}

/** Slow per-edge noise: a lognormal factor that changes once a minute, interpolated so rates drift smoothly. */
export function edgeNoise(seed: number, edgeIndex: number, tMs: number): number {
  const minute = Math.floor(tMs / 60_000);
  const frac = (tMs - minute * 60_000) / 60_000;
  const a = noiseAt(seed, edgeIndex, minute);
  const b = noiseAt(seed, edgeIndex, minute + 1);
  return a + (b - a) * frac;
}
function noiseAt(seed: number, edgeIndex: number, minute: number): number {
  const u = Math.max(1e-9, hashUniform(seed, edgeIndex, minute, 1));
  const v = hashUniform(seed, edgeIndex, minute, 2);
  return Math.exp(0.18 * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
}

export function edgeRate(seed: number, edge: Edge, tMs: number): number {
  return edge.baseRate * diurnal(tMs) * edgeNoise(seed, edge.index, tMs);
}

type PathPart = string | 'id' | 'sku' | 'uuid';
const compiledPaths = new Map<string, readonly PathPart[]>();
const PLACEHOLDER = /\{(id|sku|uuid)\}/g;
function compilePath(template: string): readonly PathPart[] {
  const parts: PathPart[] = [];
  let last = 0;
  for (const m of template.matchAll(PLACEHOLDER)) {
    parts.push(template.slice(last, m.index));
    parts.push(m[1] as PathPart);
    last = (m.index ?? 0) + m[0].length;
  }
  parts.push(template.slice(last));
  return parts;
}

/** Fill `{id}`, `{sku}`, `{uuid}` placeholders. Ids mostly come from a hot set, as real traffic does. */
export function fillPath(template: string, rng: Rng): string {
  let parts = compiledPaths.get(template);
  if (!parts) {
    parts = compilePath(template);
    compiledPaths.set(template, parts);
  }
  if (parts.length === 1) return template;
  let out = '';
  // Even indexes are literal text, odd ones placeholders.
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i] as string;
    if ((i & 1) === 0) out += p;
    else if (p === 'uuid') out += rng.uuid();
    else {
      const n = rng.chance(0.7) ? rng.int(10_000, 12_000) : rng.int(10_000, 99_999);
      out += p === 'sku' ? `SKU-${n}` : String(n);
    }
  }
  return out;
}

export interface Outcome {
  status: number;
  flags: string;
  details: string;
  /** Who logs it: connection failures never reach the destination's sidecar. */
  logged: 'both' | 'outbound';
}
const OK: Outcome = { status: 200, flags: '-', details: 'via_upstream', logged: 'both' };
const out = (
  status: number,
  flags = '-',
  details = 'via_upstream',
  logged: 'both' | 'outbound' = 'both',
): Outcome => ({ status, flags, details, logged });

/** Rare upstream trouble, as seen by the caller's sidecar. */
export function upstreamFailure(rng: Rng): Outcome {
  const r = rng.next();
  if (r < 0.45)
    return out(503, 'UF', 'upstream_reset_before_response_started{connection_failure}', 'outbound');
  if (r < 0.8) return out(503, 'URX', 'via_upstream');
  return out(503, 'UH', 'no_healthy_upstream', 'outbound');
}

/** The usual status mix for an endpoint profile: mostly 2xx, some 304, a little 404/401, rare 503. */
export function normalOutcome(profile: StatusProfile, rng: Rng): Outcome {
  const r = rng.next();
  if (r < 0.0015) return upstreamFailure(rng);
  switch (profile) {
    case 'health':
      return OK;
    case 'read':
      if (r < 0.018) return out(404);
      if (r < 0.024) return out(401);
      if (r < 0.08) return out(304);
      return OK;
    case 'write':
      if (r < 0.008) return out(400);
      if (r < 0.014) return out(401);
      if (r < 0.018) return out(409);
      if (r < 0.6) return out(201);
      return OK;
    case 'delete':
      if (r < 0.03) return out(404);
      return out(204);
    case 'login':
      // People mistype passwords: a few percent of logins fail, which is what stuffing must stand out from.
      if (r < 0.06) return out(401);
      return OK;
    case 'rpc':
      return OK;
  }
}

/** Response size for an outcome: error bodies are small, 304/204 are empty. */
export function responseBytes(e: EndpointTemplate, status: number, rng: Rng): number {
  if (status === 204 || status === 304) return 0;
  if (status === 503) return rng.chance(0.5) ? 95 : 19;
  if (status >= 400) return rng.int(20, 180);
  return Math.max(2, Math.round(rng.lognormal(e.respBytes, 0.45)));
}

export function requestBytes(e: EndpointTemplate, rng: Rng): number {
  return e.reqBytes > 0 ? Math.max(2, Math.round(rng.lognormal(e.reqBytes, 0.35))) : 0;
}

/** Server time plus transfer time for large bodies (≈ 80 MB/s inside the cluster). */
export function latency(e: EndpointTemplate, bytes: number, rng: Rng): number {
  return Math.max(0, Math.round(rng.lognormal(e.latencyMs, 0.5) + bytes / 80_000));
}

function pickPod(pods: readonly Pod[], rng: Rng): Pod {
  return pods.length === 1 ? (pods[0] as Pod) : rng.pick(pods);
}

/** A public client address for requests entering through the ingress gateway. */
function clientIp(rng: Rng): string {
  return `${rng.pick([73, 84, 98, 174, 185, 203])}.${rng.int(1, 254)}.${rng.int(1, 254)}.${rng.int(1, 254)}`;
}

/**
 * One ordinary request on a baseline edge. Scenarios reuse it (surges, flash sales, new dependencies) so
 * benign changes keep the usual mix.
 */
export function normalRequest(edge: Edge, timeMs: number, rng: Rng, label = '', srcPod?: Pod): SimRequest {
  const e = pickEndpoint(edge, rng);
  return requestFor(edge.src, edge.dst, e, timeMs, rng, label, srcPod);
}

/** An ordinary request to an endpoint of any destination (used for edges that are not in the baseline). */
export function requestFor(
  src: Workload,
  dst: Workload | ExternalHost,
  e: EndpointTemplate,
  timeMs: number,
  rng: Rng,
  label = '',
  srcPod?: Pod,
  dstPod?: Pod,
): SimRequest {
  const o = normalOutcome(e.profile, rng);
  const bytesDown = responseBytes(e, o.status, rng);
  const inMesh = isWorkload(dst);
  const fromGateway = src.kind === 'gateway';
  return {
    timeMs,
    src,
    srcPod: srcPod ?? pickPod(src.pods, rng),
    dst,
    dstPod: inMesh ? (dstPod ?? pickPod(dst.pods, rng)) : undefined,
    egressVia: inMesh ? '' : dst.registered ? 'registered' : 'passthrough',
    http: true,
    method: e.method,
    path: fillPath(e.path, rng),
    status: o.status,
    flags: o.flags,
    details: o.details,
    bytesUp: requestBytes(e, rng),
    bytesDown,
    durationMs: o.logged === 'outbound' ? rng.int(0, 3) : latency(e, bytesDown, rng),
    userAgent: fromGateway ? rng.pick(BROWSER_UAS) : src.userAgent,
    mtls: true,
    logged: o.logged,
    xForwardedFor: fromGateway ? clientIp(rng) : null,
    label,
    entropy: (rng.next() * 4294967296) >>> 0,
  };
}

/**
 * Poisson arrivals for one second of one edge: calls `each` with a uniformly spread time in the tick.
 * Used by the baseline and by scenarios, so both use the same arrival model.
 */
export function arrivals(rate: number, tickMs: number, rng: Rng, each: (timeMs: number) => void): void {
  const n = rng.poisson(rate);
  for (let i = 0; i < n; i++) each(tickMs + Math.floor(rng.next() * 1000));
}
