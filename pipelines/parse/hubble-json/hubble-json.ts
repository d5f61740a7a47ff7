/**
 * Cilium Hubble flows as `hubble observe -o json` and the Hubble exporter write them
 * (`{"flow": {...}, "node_name", "time"}`, or a bare flow), plain or shipped. See README.md for which
 * flows are counted (one per connection or request) and how verdicts map onto the event.
 */
import { emptyEvent, type MeshEvent, type ParseResult } from '../../core/event.js';
import { policyDenied } from '../l4.js';
import { isMeshHostCached, meshHostsOf, principalFor } from '../mesh-hosts.js';
import type { ParseOptions } from '../options.js';
import { reject, type Emit } from '../parser.js';
import { forEachShipped } from '../shipped.js';
import {
  MAX_STATUS,
  count,
  isPlainObject,
  isoTime,
  pathOnly,
  problem,
  resetProblem,
  show,
} from '../values.js';
import { isWorld, readEndpoint, type FlowEndpoint } from './endpoint.js';

export function parseHubbleJson(line: string, opts: ParseOptions, emit: Emit): void {
  forEachShipped(line, emit, (payload) => {
    if (typeof payload === 'string') {
      emit(reject(`hubble-json: not a JSON flow: ${show(payload)}`));
      return;
    }
    // Exporter records other than flows (agent_event, lost_events, debug_event) carry no traffic.
    if (payload['flow'] === undefined && payload['verdict'] === undefined) {
      if (payload['agent_event'] !== undefined || payload['lost_events'] !== undefined) return;
      if (payload['debug_event'] !== undefined) return;
      emit(reject('hubble-json: no flow: not a Hubble flow record'));
      return;
    }
    const flow = payload['flow'] ?? payload;
    if (!isPlainObject(flow)) {
      emit(reject('hubble-json: flow: not an object'));
      return;
    }
    const r = flowEvent(flow, opts);
    if (r !== null) emit(r);
  });
}

const DENYING_DROPS = new Set([
  'POLICY_DENIED',
  'POLICY_DENY',
  'AUTH_REQUIRED',
  'DENIED_BY_LB_SRC_RANGE_CHECK',
]);

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** One flow → its event, a rejection, or null for a flow that repeats a connection already counted. */
function flowEvent(flow: Record<string, unknown>, opts: ParseOptions): ParseResult | null {
  resetProblem();
  const timeMs = isoTime(flow['time'], 'time');
  const verdict = str(flow['verdict']);
  if (verdict === '') return reject('verdict: missing');
  const dropped = verdict === 'DROPPED' || verdict === 'ERROR';
  const isReply = flow['is_reply'] === true;
  const l4 = isPlainObject(flow['l4']) ? flow['l4'] : {};
  const l7 = isPlainObject(flow['l7']) ? flow['l7'] : undefined;
  const http = l7 !== undefined && isPlainObject(l7['http']) ? l7['http'] : undefined;
  const dns = l7 !== undefined && isPlainObject(l7['dns']) ? l7['dns'] : undefined;
  const l7Type = l7 !== undefined ? str(l7['type']) : '';
  const direction = str(flow['traffic_direction']);
  let source = readEndpoint(flow['source']);
  let destination = readEndpoint(flow['destination']);
  const ip = isPlainObject(flow['IP']) ? flow['IP'] : {};
  let srcIp = str(ip['source']);
  let dstIp = str(ip['destination']);

  if (
    !countsOnce(
      flow,
      l4,
      http !== undefined,
      dns !== undefined,
      l7Type,
      isReply,
      dropped,
      direction,
      source,
      destination,
    )
  )
    return null;
  // A reply runs server → client: the caller is its destination.
  if (isReply) {
    [source, destination] = [destination, source];
    [srcIp, dstIp] = [dstIp, srcIp];
  }

  const ev = emptyEvent();
  ev.timeMs = timeMs;
  ev.direction = direction === 'INGRESS' ? 'inbound' : direction === 'EGRESS' ? 'outbound' : 'unknown';
  ev.protocol = protocolOf(l4);
  fillSource(ev, source, srcIp, opts);
  fillDestination(ev, flow, destination, dstIp, isReply, opts);

  if (http !== undefined) {
    ev.method = str(http['method']);
    ev.path = urlPath(str(http['url']));
    ev.protocol = str(http['protocol']) || 'HTTP/1.1';
    ev.status = count(http['code'], 'l7.http.code', MAX_STATUS);
  }
  if (dns !== undefined) {
    const q = str(dns['query']);
    if (q !== '') ev.dnsQuery = q.endsWith('.') ? q.slice(0, -1).toLowerCase() : q.toLowerCase();
  }
  const reason = str(flow['drop_reason_desc']);
  if (verdict === 'AUDIT') ev.responseCodeDetails = policyDenied('cilium_audit', reason);
  else if (dropped) {
    if (DENYING_DROPS.has(reason) || reason === '') ev.responseCodeDetails = policyDenied('cilium', reason);
    else ev.responseCodeDetails = `cilium_drop: ${reason}`;
  }
  const bad = problem();
  return bad !== '' ? reject(bad) : { ok: true, event: ev };
}

/**
 * Whether this flow is the one counted for its connection or request: Hubble reports several flows for
 * one TCP connection (each direction, the SYN, replies, and both nodes' observation points).
 * - drops always count (each is a refused attempt), replies never, except an HTTP response (it has the
 *   status code); HTTP requests are counted by their response, DNS by the request (it has the query);
 * - TCP counts the opening SYN only (every flow when a field mask dropped the flags); UDP and ICMP every
 *   non-reply flow;
 * - a connection between two pods is observed leaving one (EGRESS) and arriving at the other (INGRESS):
 *   the INGRESS flow is counted (where an ingress policy drops it, the same flow is the drop), the EGRESS
 *   one only when it was dropped there (egress policy) or one end is not a pod (world, host, API server).
 */
function countsOnce(
  flow: Record<string, unknown>,
  l4: Record<string, unknown>,
  http: boolean,
  dns: boolean,
  l7Type: string,
  isReply: boolean,
  dropped: boolean,
  direction: string,
  source: FlowEndpoint,
  destination: FlowEndpoint,
): boolean {
  if (dropped) return !isReply || http;
  if (http) return l7Type === 'RESPONSE' || (l7Type === '' && !isReply);
  if (dns) return !isReply && l7Type !== 'RESPONSE';
  if (isReply || flow['Type'] === 'L7') return false;
  // Pod to pod: counted where it arrives (an ingress policy drop is that same flow, not a second one).
  if (direction === 'EGRESS' && destination.pod !== '' && source.pod !== '') return false;
  const tcp = l4['TCP'];
  if (isPlainObject(tcp)) {
    // Without flags (an exporter field mask) each flow is all there is to count.
    const flags = isPlainObject(tcp['flags']) ? tcp['flags'] : undefined;
    return flags === undefined || (flags['SYN'] === true && flags['ACK'] !== true);
  }
  return true;
}

function protocolOf(l4: Record<string, unknown>): string {
  if (l4['TCP'] !== undefined) return 'TCP';
  if (l4['UDP'] !== undefined) return 'UDP';
  if (l4['ICMPv4'] !== undefined) return 'ICMPv4';
  if (l4['ICMPv6'] !== undefined) return 'ICMPv6';
  if (l4['SCTP'] !== undefined) return 'SCTP';
  return '';
}

function fillSource(ev: MeshEvent, e: FlowEndpoint, ip: string, opts: ParseOptions): void {
  ev.srcAddress = ip;
  // The packet's own source address, as the datapath saw it.
  ev.srcAddressDirect = ip !== '';
  ev.srcNamespace = e.namespace;
  ev.srcWorkload = e.workload;
  ev.srcServiceAccount = e.serviceAccount;
  // Cilium's endpoint labels carry the pod's service account: the principal Istio would give it, so one
  // workload has one key whichever mesh's records name it.
  if (e.namespace !== '' && e.serviceAccount !== '') {
    ev.src = principalFor(e.namespace, e.serviceAccount, meshHostsOf(opts));
    ev.srcPrincipal = ev.src;
  } else if (ip !== '') ev.src = `ip:${ip}`;
  else if (e.reserved !== '') ev.src = `reserved:${e.reserved}`;
}

function fillDestination(
  ev: MeshEvent,
  flow: Record<string, unknown>,
  e: FlowEndpoint,
  ip: string,
  isReply: boolean,
  opts: ParseOptions,
): void {
  const hosts = meshHostsOf(opts);
  ev.dstNamespace = e.namespace;
  ev.dstServiceAccount = e.serviceAccount;
  if (e.namespace !== '' && e.serviceAccount !== '')
    ev.dstPrincipal = principalFor(e.namespace, e.serviceAccount, hosts);
  const svc = isPlainObject(flow[isReply ? 'source_service' : 'destination_service'])
    ? (flow[isReply ? 'source_service' : 'destination_service'] as Record<string, unknown>)
    : undefined;
  const names = flow[isReply ? 'source_names' : 'destination_names'];
  const fqdn =
    Array.isArray(names) && typeof names[0] === 'string' ? names[0].replace(/\.$/, '').toLowerCase() : '';
  if (svc !== undefined && str(svc['name']) !== '' && str(svc['namespace']) !== '')
    ev.dst = `${str(svc['name'])}.${str(svc['namespace'])}${hosts.svcSuffix}`;
  else if (e.namespace !== '' && e.workload !== '') ev.dst = `${e.workload}.${e.namespace}${hosts.svcSuffix}`;
  else if (fqdn !== '') ev.dst = fqdn;
  else if (ip !== '') ev.dst = `ip:${ip}`;
  else if (e.reserved !== '') ev.dst = `reserved:${e.reserved}`;
  const external = isWorld(e) || (e.namespace === '' && fqdn !== '' && !isMeshHostCached(fqdn, hosts, opts));
  if (external) {
    ev.egress = true;
    ev.externalHost = fqdn !== '' ? fqdn : ip;
    ev.dst = ev.externalHost || ev.dst;
  }
}

/** `http://reviews:9080/api/x?y` → `/api/x`. */
function urlPath(url: string): string {
  const scheme = url.indexOf('://');
  if (scheme === -1) return pathOnly(url);
  const slash = url.indexOf('/', scheme + 3);
  return slash === -1 ? '/' : pathOnly(url.slice(slash));
}
