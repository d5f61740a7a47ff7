/**
 * Who a metric series is about, in the other meshes' proxy metrics, so they are scored per source like
 * Istio's (istio.ts):
 * - Linkerd proxies (request_total, response_total with status_code/classification, tcp_open_total,
 *   tcp_read_bytes_total, tcp_write_bytes_total, inbound_http_authz_deny_total / allow_total): an inbound
 *   series names its caller by `client_id` (its mTLS identity, present when `tls="true"`); an outbound
 *   series belongs to the proxy's own workload (`namespace` with `deployment`, `statefulset`,
 *   `daemonset` or `pod`, as Linkerd's scrape configuration labels it). Outbound, egress included, is
 *   visible only here: Linkerd's access logs are inbound only.
 * - Consul's Envoy metrics (envoy_cluster_upstream_rq_total, envoy_cluster_upstream_cx_tx_bytes_total,
 *   ...): the source service tags Consul adds, `consul_source_service` / `consul_source_namespace`.
 */
import { workloadFromPod } from '../parse/kubernetes.js';

const known = (v: string | undefined): v is string => !!v && v !== 'unknown' && v !== '-';

export function meshSourceEntity(labels: Record<string, string>): string | undefined {
  const direction = labels.direction;
  if (direction === 'inbound') return known(labels.client_id) ? labels.client_id : undefined;
  if (direction === 'outbound') {
    const own =
      labels.deployment ??
      labels.statefulset ??
      labels.daemonset ??
      (labels.pod ? workloadFromPod(labels.pod) : '');
    if (known(own)) return known(labels.namespace) ? `${labels.namespace}/${own}` : own;
    return undefined;
  }
  if (known(labels.consul_source_service))
    return known(labels.consul_source_namespace)
      ? `${labels.consul_source_namespace}/${labels.consul_source_service}`
      : labels.consul_source_service;
  return undefined;
}
