/**
 * Renders a simulated request as Istio ambient's ztunnels log it: one `connection complete` line per
 * connection at each end (the source's node: outbound; the destination's: inbound), in ztunnel's text
 * format, shipped by Fluent Bit from the ztunnel pod. L4 only: addresses, identities, bytes, duration,
 * and the error of a failed or policy-rejected connection. HTTP status, method and path are not in them.
 */
import type { AccessRecord } from './records.js';
import { port, startTime } from './records.js';
import { isWorkload, type Pod } from './topology.js';
import type { SimRequest } from './traffic.js';

const ZTUNNEL_POD = Object.freeze({
  pod_name: 'ztunnel-x7k2p',
  namespace_name: 'istio-system',
  container_name: 'istio-proxy',
});

function q(v: string): string {
  return `"${v}"`;
}

function line(
  req: SimRequest,
  fields: string,
  direction: string,
  sent: number,
  recv: number,
  error: string,
): AccessRecord {
  const err = error === '' ? '' : ` error=${q(error)}`;
  return {
    log: `${startTime(req.timeMs)}\t${error === '' ? 'info' : 'error'}\taccess\tconnection complete\t${fields} direction=${q(direction)} bytes_sent=${sent} bytes_recv=${recv} duration=${q(`${req.durationMs}ms`)}${err}`,
    stream: 'stdout',
    kubernetes: ZTUNNEL_POD,
    x_meshguard_label: req.label,
  };
}

export function renderAmbient(req: SimRequest, emit: (record: AccessRecord) => void): void {
  const dst = req.dst;
  const src = req.src;
  const srcPod = req.srcPod;
  const srcId = req.mtls ? ` src.identity=${q(src.principal)}` : '';
  const srcFields = `src.addr=${srcPod.ip}:${port(req.entropy, 7)} src.workload=${q(srcPod.name)} src.namespace=${q(src.namespace)}`;
  if (!isWorkload(dst)) {
    // Egress: the source's ztunnel only; the pod and namespace, no identity on either side.
    const svc = dst.registered ? ` dst.service=${q(dst.host)}` : '';
    emit(
      line(
        req,
        `${srcFields} dst.addr=${dst.ip}:${dst.port} dst.hbone_addr=${dst.ip}:${dst.port}${svc}`,
        'outbound',
        req.bytesUp,
        req.bytesDown,
        '',
      ),
    );
    return;
  }
  const dstPod = req.dstPod as Pod;
  const dstFields = `dst.addr=${dstPod.ip}:15008 dst.hbone_addr=${dstPod.ip}:${dst.port} dst.service=${q(dst.host)} dst.workload=${q(dstPod.name)} dst.namespace=${q(dst.namespace)} dst.identity=${q(dst.principal)}`;
  const denied = req.details.startsWith('rbac_access_denied');
  const failed = req.flags === 'UF' || req.flags === 'UH' || req.flags === 'URX';
  if (req.mtls && req.logged !== 'inbound') {
    const error = failed
      ? req.flags === 'UH'
        ? 'no healthy upstream'
        : 'io error: Connection refused (os error 111)'
      : denied
        ? 'http status: 401 Unauthorized'
        : '';
    emit(line(req, `${srcFields}${srcId} ${dstFields}`, 'outbound', req.bytesUp, req.bytesDown, error));
  }
  if (failed || req.logged === 'outbound') return;
  const error = denied
    ? 'connection closed due to policy rejection: explicitly denied by: istio-system/deny-all'
    : '';
  // Each end reports its own direction of bytes.
  emit(
    line(
      req,
      `${srcFields}${srcId} ${dstFields}`,
      'inbound',
      denied ? 0 : req.bytesDown,
      denied ? 0 : req.bytesUp,
      error,
    ),
  );
}
