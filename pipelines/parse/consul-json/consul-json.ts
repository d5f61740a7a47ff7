/**
 * Consul service mesh's Envoy access logs (proxy-defaults `AccessLogs`, Consul's default JSON format or
 * Envoy's text default), bare or shipped. The records are Envoy's, read by the shared record builder; what
 * is Consul's is the cluster naming (upstream-cluster.ts), the SPIFFE form of its identities (spiffe.ts)
 * and which end of a call is counted. See README.md.
 */
import type { ParseResult } from '../../core/event.js';
import { EnvoyFields, type EnvoyRecord } from '../envoy-fields.js';
import { scanEnvoyText } from '../envoy-text-scanner.js';
import type { K8sMeta } from '../kubernetes.js';
import type { ParseOptions } from '../options.js';
import { reject, type Emit } from '../parser.js';
import { buildEvent } from '../record.js';
import { forEachShipped, type Payload } from '../shipped.js';
import { isConsulUpstream } from '../upstream-cluster.js';
import { show } from '../values.js';

/** Consul's default Envoy admin port: requests to it are the proxy's own management, not mesh traffic. */
const ADMIN_PORT_SUFFIX = ':19000';

export function parseConsulJson(line: string, opts: ParseOptions, emit: Emit): void {
  forEachShipped(line, emit, (payload, meta, shippedMs) => {
    const r = consulRecord(payload, meta, opts, shippedMs);
    if (r !== null) emit(r);
  });
}

function consulRecord(
  payload: Payload,
  meta: K8sMeta,
  opts: ParseOptions,
  shippedMs: number,
): ParseResult | null {
  let record: EnvoyRecord;
  if (typeof payload === 'string') {
    if (!payload.startsWith('['))
      return reject(`consul-json: not an Envoy access-log record: ${show(payload)}`);
    const f = new EnvoyFields();
    const why = scanEnvoyText(payload, f);
    if (why !== '') return reject(why);
    record = f;
  } else record = payload as EnvoyRecord;
  const local = record.downstream_local_address;
  if (typeof local === 'string' && local.endsWith(ADMIN_PORT_SUFFIX)) return null;
  const r = buildEvent(record, meta, opts, shippedMs);
  if (!r.ok) return r;
  const ev = r.event;
  // Consul logs a call at both ends. The destination's record (local_app) is the one counted: it carries
  // the verified caller. The source's record of an in-mesh call is kept only when the destination never
  // answered (a response flag: UF, UH, URX, ...), and always for egress, which has no other end.
  if (ev.direction === 'outbound' && !ev.egress && ev.responseFlags === '') return null;
  if (ev.direction === 'outbound' && ev.srcPrincipal !== '' && !ev.srcPrincipal.includes('.consul/')) {
    // A principal built from the shipper's metadata has Istio's form, not Consul's: keep the caller as its
    // address, which the identities learned from inbound records (their downstream address) resolve.
    ev.src = ev.srcAddress !== '' ? `ip:${ev.srcAddress}` : ev.src;
    ev.srcPrincipal = '';
  }
  if (ev.dstNamespace === '' && isConsulUpstream(ev.dst)) {
    // <svc>.<ns>[.<partition>].<dc>.internal.<trust domain>.consul
    const [service = '', namespace = ''] = ev.dst.split('.', 2);
    ev.dstNamespace = namespace;
    if (ev.dstServiceAccount === '') ev.dstServiceAccount = service;
  }
  return r;
}
