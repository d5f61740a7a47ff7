/**
 * Istio ambient's ztunnel access records (L4: who connected to whom, bytes, duration, errors), text or
 * JSON, bare or shipped. See README.md for the fields and for which end of a connection is counted.
 */
import { emptyEvent, type ParseResult } from '../../core/event.js';
import { addressHost, hostOnly } from '../addresses.js';
import { workloadFromPod } from '../kubernetes.js';
import { failureFlag, durationMs, policyDenied } from '../l4.js';
import { isMeshHostCached, meshHostsOf } from '../mesh-hosts.js';
import type { ParseOptions } from '../options.js';
import { reject, type Emit } from '../parser.js';
import { forEachShipped, type Payload } from '../shipped.js';
import { spiffeParts } from '../spiffe.js';
import { MAX_BYTES, MAX_DURATION_MS, count, isoTime, problem, resetProblem, show, text } from '../values.js';
import { ZtunnelFields, scanZtunnelText } from './fields.js';

export function parseZtunnel(line: string, opts: ParseOptions, emit: Emit): void {
  // The shipper's pod metadata names the ztunnel pod, not a party to the connection: not used.
  forEachShipped(line, emit, (payload, _meta, shippedMs) => {
    const r = ztunnelRecord(payload, opts, shippedMs);
    if (r !== null) emit(r);
  });
}

/** One record → its event, a rejection, or null for a line counted elsewhere (see README.md). */
export function ztunnelRecord(payload: Payload, opts: ParseOptions, shippedMs: number): ParseResult | null {
  const f = new ZtunnelFields();
  if (typeof payload === 'string') {
    const why = scanZtunnelText(payload, f);
    if (why !== '') return reject(`ztunnel: ${why}`);
  } else f.assignFrom(payload);
  if (f.scope !== 'access' || f.known === 0)
    return reject(
      `ztunnel: not an access record: ${show(typeof payload === 'string' ? payload : f.message)}`,
    );
  // Opened lines (debug level) are followed by the complete line, which has the bytes: count that one.
  if (f.message.startsWith('connection opened')) return null;
  return buildZtunnelEvent(f, opts, shippedMs);
}

/** The port of `host:port` ('' when absent). */
function addressPort(a: string): string {
  const colon = a.lastIndexOf(':');
  return colon === -1 ? '' : a.slice(colon + 1);
}

function buildZtunnelEvent(f: ZtunnelFields, opts: ParseOptions, shippedMs: number): ParseResult | null {
  resetProblem();
  const timeMs = f.time === undefined && shippedMs > 0 ? shippedMs : isoTime(f.time, 'time');
  const direction = text(f.direction, 'direction');
  const error = text(f.error, 'error');
  const srcIdentity = spiffeParts(text(f.srcIdentity, 'src.identity'));
  const dstIdentity = spiffeParts(text(f.dstIdentity, 'dst.identity'));
  const dstWorkload = text(f.dstWorkload, 'dst.workload');
  const outbound = direction === 'outbound';
  // Both ends of an in-mesh connection log it; the destination's line is the one counted. The source's
  // line is kept where no destination ztunnel saw the connection: egress and non-ambient destinations
  // (no dst.identity), a waypoint (an Envoy, which logs its own side), or a connection that failed before
  // the peer answered (any error but an HTTP status from the peer, which is its policy decision).
  if (
    outbound &&
    dstIdentity.id !== '' &&
    !dstIdentity.serviceAccount.includes('waypoint') &&
    (error === '' || error.startsWith('http status'))
  )
    return null;

  const ev = emptyEvent();
  ev.timeMs = timeMs;
  ev.direction = outbound ? 'outbound' : direction === 'inbound' ? 'inbound' : 'unknown';
  ev.protocol = 'TCP';
  const sent = count(f.bytesSent, 'bytes_sent', MAX_BYTES);
  const recv = count(f.bytesRecv, 'bytes_recv', MAX_BYTES);
  // Each end reports its own sent/received: the caller's upload is what the source sent, what the
  // destination received.
  ev.bytesUp = outbound ? sent : recv;
  ev.bytesDown = outbound ? recv : sent;
  const d = durationMs(f.duration);
  if (f.duration !== undefined && d < 0) return reject(`duration: not a duration: ${show(f.duration)}`);
  ev.durationMs = Math.min(Math.max(d, 0), MAX_DURATION_MS);

  // Source: proven by its certificate when it had one; egress lines name only the pod and namespace.
  ev.srcAddress = addressHost(text(f.srcAddr, 'src.addr'));
  // ztunnel captures the connection in the pod's network namespace: src.addr is the socket peer, never
  // a forwarded header a client could choose.
  ev.srcAddressDirect = ev.srcAddress !== '';
  ev.srcWorkload = workloadFromPod(text(f.srcWorkload, 'src.workload'));
  ev.srcNamespace = text(f.srcNamespace, 'src.namespace');
  if (srcIdentity.id !== '') {
    ev.src = srcIdentity.id;
    ev.srcPrincipal = srcIdentity.id;
    ev.srcServiceAccount = srcIdentity.serviceAccount;
    if (srcIdentity.namespace !== '') ev.srcNamespace = srcIdentity.namespace;
    ev.mtls = true;
  } else if (ev.srcAddress !== '') ev.src = `ip:${ev.srcAddress}`;

  // Destination: the service, else the workload's identity, else the address it was sent to.
  const service = hostOnly(text(f.dstService, 'dst.service'));
  const hbone = addressHost(text(f.dstHboneAddr, 'dst.hbone_addr'));
  const addr = addressHost(text(f.dstAddr, 'dst.addr'));
  ev.dstNamespace = text(f.dstNamespace, 'dst.namespace');
  if (dstIdentity.id !== '') {
    ev.dstPrincipal = dstIdentity.id;
    ev.dstServiceAccount = dstIdentity.serviceAccount;
    if (ev.dstNamespace === '') ev.dstNamespace = dstIdentity.namespace;
  }
  const target = hbone !== '' ? hbone : addr;
  const targetAddress = text(f.dstHboneAddr, 'dst.hbone_addr') || text(f.dstAddr, 'dst.addr');
  ev.dst =
    service !== '' ? service : dstIdentity.id !== '' ? dstIdentity.id : target !== '' ? `ip:${target}` : '';
  if (outbound && dstIdentity.id === '' && dstWorkload === '') {
    const hosts = meshHostsOf(opts);
    const host = service !== '' ? service : target;
    if (host !== '' && !isMeshHostCached(host, hosts, opts)) {
      ev.egress = true;
      ev.externalHost = host;
      ev.dst = host;
      // A ServiceEntry names the host (dst.service); without one the connection went out unregistered.
      ev.upstreamCluster =
        service !== '' ? `outbound|${addressPort(targetAddress)}||${service}` : 'PassthroughCluster';
    }
  }

  if (error !== '') {
    // ztunnel's RBAC: "connection closed due to policy rejection: ..." at the destination, an HTTP 401/403
    // from the peer's ztunnel at the source.
    if (error.includes('policy rejection') || /http status: 40[13]/.test(error))
      ev.responseCodeDetails = policyDenied('ztunnel', error);
    else {
      ev.responseFlags = failureFlag(error);
      ev.responseCodeDetails = `ztunnel: ${error}`;
    }
  }
  const bad = problem();
  return bad !== '' ? reject(bad) : { ok: true, event: ev };
}
