/**
 * Renders a simulated request as Linkerd's proxy writes it with `config.linkerd.io/access-log: json`: only
 * the destination's proxy logs, inbound HTTP only, the caller named by its mTLS identity (`-` without
 * one), meshed traffic as HTTP/2 with absolute URIs. Shipped as Fluent Bit does with Merge_Log (the
 * record's keys at the top, the `kubernetes` block of the pod that wrote it beside them). Egress and
 * requests that never reached a proxy are not in these logs (Linkerd shows them only in its metrics).
 */
import type { AccessRecord } from './records.js';
import { authorityOf, k8sBlock } from './records.js';
import { isWorkload, type Pod, type Workload } from './topology.js';
import type { SimRequest } from './traffic.js';
import { hash2 } from './prng.js';

/** The identity Linkerd gives a workload: `<sa>.<ns>.serviceaccount.identity.linkerd.cluster.local`. */
export function linkerdIdentityOf(w: Workload): string {
  return `${w.serviceAccount}.${w.namespace}.serviceaccount.identity.linkerd.cluster.local`;
}

/** Nanosecond ISO time, as the proxy prints it. */
function nanoTime(ms: number, entropy: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 23)}${String(hash2(entropy, 9) % 1_000_000).padStart(6, '0')}Z`;
}

export function renderLinkerd(req: SimRequest, emit: (record: AccessRecord) => void): void {
  const dst = req.dst;
  if (!isWorkload(dst) || !dst.sidecar || !req.http || req.logged === 'outbound') return;
  // Connection failures never reached the destination's proxy.
  if (req.flags === 'UF' || req.flags === 'UH') return;
  const pod = req.dstPod as Pod;
  const authority = authorityOf(req.src, dst);
  const h2 = req.mtls && dst.protocol === 'HTTP/2';
  emit({
    'client.addr': `${req.srcPod.ip}:${32768 + (hash2(req.entropy, 6) % 28232)}`,
    'client.id': req.mtls ? linkerdIdentityOf(req.src) : '-',
    host: authority,
    method: req.method,
    processing_ns: String(20_000 + (hash2(req.entropy, 10) % 40_000)),
    request_bytes: req.bytesUp > 0 ? String(req.bytesUp) : '',
    response_bytes: String(req.bytesDown),
    // A policy denial is a 403 from the proxy, as Istio's RBAC filter answers.
    status: req.status,
    timestamp: nanoTime(req.timeMs, req.entropy),
    total_ns: String(req.durationMs * 1_000_000 + (hash2(req.entropy, 11) % 1_000_000)),
    trace_id: '',
    uri: h2 || req.mtls ? `http://${authority}${req.path}` : req.path,
    user_agent: req.userAgent,
    version: req.mtls ? 'HTTP/2.0' : 'HTTP/1.1',
    kubernetes: k8sBlock(dst, pod),
    x_meshguard_label: req.label,
  });
}
