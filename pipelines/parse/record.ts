/**
 * The record builder: one Envoy access-log record (envoy-fields.ts), whatever it arrived as, → one MeshEvent.
 * Every parser ends here; identity.ts fills who called whom, and the record is done.
 */
import type { MeshEvent, ParseResult } from '../core/event.js';
import { EnvoyFields, type EnvoyRecord } from './envoy-fields.js';
import { addressHost, addressPort } from './addresses.js';
import { resolveIdentity } from './identity.js';
import type { K8sMeta } from './kubernetes.js';
import type { ParseOptions } from './options.js';
import { reject } from './parser.js';
import { rbacShadowAllowOf } from './rbac-shadow.js';
import {
  MAX_BYTES,
  MAX_DURATION_MS,
  MAX_STATUS,
  count,
  isoTime,
  pathOnly,
  queryOnly,
  problem,
  resetProblem,
  text,
} from './values.js';

/**
 * Build the event. `fallbackTimeMs` is used only when the record has no start_time (OTLP's timeUnixNano);
 * pass 0 to require start_time.
 */
export function buildEvent(
  r: EnvoyRecord,
  meta: K8sMeta,
  opts: ParseOptions,
  fallbackTimeMs: number,
): ParseResult {
  resetProblem();
  const st = r.start_time;
  let timeMs: number;
  if (fallbackTimeMs > 0 && (st === undefined || st === null || st === '-' || st === ''))
    timeMs = fallbackTimeMs;
  else timeMs = isoTime(st, 'start_time');

  let fullPath = '';
  // Read in key order; the first problem wins and is reported once, after the literal is built.
  const ev: MeshEvent = {
    timeMs,
    direction: 'unknown',
    src: '',
    srcPrincipal: '',
    srcNamespace: '',
    srcServiceAccount: '',
    srcWorkload: '',
    srcAddress: '',
    srcAddressDirect: false,
    dst: '',
    dstNamespace: '',
    dstServiceAccount: '',
    dstPrincipal: '',
    dstPort: 0,
    egress: false,
    externalHost: '',
    mtls: false,
    method: text(r.method, 'method'),
    path: pathOnly((fullPath = text(r.path, 'path'))),
    query: '',
    status: count(r.response_code, 'response_code', MAX_STATUS),
    responseFlags: text(r.response_flags, 'response_flags'),
    // TCP has no response code details; its RBAC denials (rbac_access_denied_matched_policy[...]) are in the
    // connection termination details, so surface those in the same place for quarantine confirmation.
    responseCodeDetails: text(r.response_code_details, 'response_code_details') || terminationDetails(r),
    // Envoy's BYTES_RECEIVED is what the downstream (the caller) sent, on either sidecar.
    bytesUp: count(r.bytes_received, 'bytes_received', MAX_BYTES),
    bytesDown: count(r.bytes_sent, 'bytes_sent', MAX_BYTES),
    durationMs: count(r.duration, 'duration', MAX_DURATION_MS),
    userAgent: text(r.user_agent, 'user_agent'),
    requestId: text(r.request_id, 'request_id'),
    authority: text(r.authority, 'authority'),
    protocol: text(r.protocol, 'protocol'),
    // Istio 1.24's JSON format logged UPSTREAM_CLUSTER with a trailing ';' (istio/istio#54219).
    upstreamCluster: trimSemicolon(text(r.upstream_cluster, 'upstream_cluster')),
    label: text(r.x_meshguard_label, 'x_meshguard_label'),
    podLabels: meta.labels,
    rbacShadowAllow: rbacShadowAllowOf(r),
  };
  ev.query = queryOnly(fullPath);
  const sni = text(r.requested_server_name, 'requested_server_name');
  const upstreamHost = text(r.upstream_host, 'upstream_host');
  const remote = text(r.downstream_remote_address, 'downstream_remote_address');
  const local = text(r.downstream_local_address, 'downstream_local_address');
  const peerSan = text(r.downstream_peer_uri_san, 'downstream_peer_uri_san');
  const upstreamPeerSan = text(r.upstream_peer_uri_san, 'upstream_peer_uri_san');
  const localSan = text(r.downstream_local_uri_san, 'downstream_local_uri_san');
  const direct = text(r.downstream_direct_remote_address, 'downstream_direct_remote_address');

  const bad = problem();
  if (bad !== '') return reject(bad);
  resolveIdentity(ev, sni, upstreamHost, remote, local, peerSan, upstreamPeerSan, localSan, meta, opts);
  ev.dstPort = addressPort(local);
  markDirectAddress(ev, direct, remote, meta.podIp);
  // Only the text scanner sets it (a JSON record is a plain object, whatever keys it holds).
  if (r instanceof EnvoyFields && r.ambiguousClientFields) ev.clientFieldsAmbiguous = true;
  return { ok: true, event: ev };
}

/**
 * Whether the caller's address is the connection's own peer. Envoy fills downstream_remote_address from
 * X-Forwarded-For when told to trust it, and then prints port 0: a client chose that address. The direct
 * peer (%DOWNSTREAM_DIRECT_REMOTE_ADDRESS%) replaces it when the log format carries it.
 */
function markDirectAddress(ev: MeshEvent, direct: string, remote: string, podIp: string): void {
  if (ev.direction === 'outbound') {
    // Written by the caller's own sidecar: the pod is the shipper's, or the app's connection to it.
    ev.srcAddressDirect = ev.srcAddress !== '' && (podIp !== '' || addressPort(remote) > 0);
    return;
  }
  const ip = addressHost(direct);
  if (ip !== '') {
    if (ev.src === `ip:${ev.srcAddress}`) ev.src = `ip:${ip}`;
    ev.srcAddress = ip;
    ev.srcAddressDirect = true;
    return;
  }
  ev.srcAddressDirect = ev.srcAddress !== '' && addressPort(remote) > 0;
}

function terminationDetails(r: EnvoyRecord): string {
  return text(r.connection_termination_details, 'connection_termination_details');
}

function trimSemicolon(s: string): string {
  return s.length > 0 && s.charCodeAt(s.length - 1) === 59 ? s.slice(0, -1) : s;
}
