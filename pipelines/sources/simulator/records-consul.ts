/**
 * Renders a simulated request as Consul's Envoy sidecars log it with proxy-defaults `AccessLogs` enabled:
 * Consul's default JSON format (every value a string, absent ones empty) plus the caller's
 * `downstream_peer_uri_san` (the addition docs/meshes.md recommends), shipped by Fluent Bit with the
 * `kubernetes` block of the pod that wrote it. Both ends log an in-mesh call: `local_app` at the
 * destination, `<svc>.<ns>.dc1.internal.<trust domain>.consul` at the source. Egress through transparent
 * proxy is `original-destination`: a TCP record with addresses and bytes only.
 */
import type { AccessRecord } from './records.js';
import { k8sBlock, port, requestId, startTime } from './records.js';
import { isWorkload, type Pod, type Workload } from './topology.js';
import type { SimRequest } from './traffic.js';

export const CONSUL_TRUST_DOMAIN = '7f8c2c1e-5d43-4f0e-9a37-0a6f3c2d9b11.consul';

/** The SPIFFE id Consul's CA gives a service. */
export function consulIdentityOf(w: Workload): string {
  return `spiffe://${CONSUL_TRUST_DOMAIN}/ns/${w.namespace}/dc/dc1/svc/${w.name}`;
}

function clusterOf(w: Workload): string {
  return `${w.name}.${w.namespace}.dc1.internal.${CONSUL_TRUST_DOMAIN}`;
}

const str = (n: number): string => String(n);

function base(req: SimRequest): AccessRecord {
  return {
    start_time: startTime(req.timeMs),
    route_name: '',
    method: '',
    path: '',
    protocol: '',
    response_code: '0',
    response_flags: '-',
    response_code_details: '',
    connection_termination_details: '',
    bytes_received: str(req.bytesUp),
    bytes_sent: str(req.bytesDown),
    duration: str(req.durationMs),
    upstream_service_time: '',
    x_forwarded_for: '',
    user_agent: '',
    request_id: '',
    authority: '',
    upstream_host: '',
    upstream_cluster: '',
    upstream_local_address: '',
    downstream_local_address: '',
    downstream_remote_address: '',
    requested_server_name: '',
    upstream_transport_failure_reason: '',
  };
}

function http(rec: AccessRecord, req: SimRequest, authority: string): void {
  rec.method = req.method;
  rec.path = req.path;
  rec.protocol = 'HTTP/1.1';
  rec.response_code = str(req.status);
  rec.user_agent = req.userAgent;
  rec.request_id = requestId(req.entropy);
  rec.authority = authority;
  rec.x_forwarded_for = req.xForwardedFor ?? '';
}

export function renderConsul(req: SimRequest, emit: (record: AccessRecord) => void): void {
  const dst = req.dst;
  if (!isWorkload(dst) || (!dst.sidecar && dst.name === 'kubernetes')) {
    // Transparent proxy to an address Consul does not know (outside, or the Kubernetes API): L4, through
    // original-destination.
    const rec = base(req);
    rec.upstream_cluster = 'original-destination';
    const ip = isWorkload(dst) ? dst.clusterIp : dst.ip;
    rec.upstream_host = `${ip}:${dst.port}`;
    rec.downstream_local_address = `${ip}:${dst.port}`;
    rec.downstream_remote_address = `${req.srcPod.ip}:${port(req.entropy, 7)}`;
    rec.upstream_local_address = `${req.srcPod.ip}:${port(req.entropy, 8)}`;
    emit({ ...rec, kubernetes: k8sBlock(req.src, req.srcPod), x_meshguard_label: req.label });
    return;
  }
  const dstPod = req.dstPod as Pod;
  const cluster = clusterOf(dst);
  const failed = req.flags === 'UF' || req.flags === 'UH' || req.flags === 'URX';
  if (req.mtls && req.logged !== 'inbound') {
    const out = base(req);
    if (req.http) http(out, req, dst.name);
    out.route_name = req.http ? dst.name : '';
    out.response_flags = req.flags === '-' ? '-' : req.flags;
    out.upstream_cluster = cluster;
    out.upstream_host = failed ? '' : `${dstPod.ip}:20000`;
    out.downstream_local_address = `${dst.clusterIp}:${dst.port}`;
    out.downstream_remote_address = `${req.srcPod.ip}:${port(req.entropy, 7)}`;
    if (req.details.startsWith('rbac_access_denied')) out.response_code_details = 'via_upstream';
    emit({ ...out, kubernetes: k8sBlock(req.src, req.srcPod), x_meshguard_label: req.label });
  }
  if (!dst.sidecar || failed || req.logged === 'outbound') return;
  const inb = base(req);
  if (req.http) http(inb, req, dst.name);
  inb.response_code_details = req.details;
  inb.response_flags = req.flags === 'URX' ? '-' : req.flags;
  inb.upstream_cluster = req.details.startsWith('rbac_access_denied') ? '' : 'local_app';
  inb.upstream_host = `127.0.0.1:${dst.port}`;
  inb.downstream_local_address = `${dstPod.ip}:20000`;
  inb.downstream_remote_address = `${req.srcPod.ip}:${port(req.entropy, 6)}`;
  inb.requested_server_name = req.mtls ? `${cluster}` : '';
  emit({
    ...inb,
    downstream_peer_uri_san: req.mtls ? consulIdentityOf(req.src) : '',
    kubernetes: k8sBlock(dst, dstPod),
    x_meshguard_label: req.label,
  });
}
