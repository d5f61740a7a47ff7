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
 *
 * Where the labels carry the other side too, the series is an edge (`meshEdge`): Linkerd's outbound
 * series name their destination by `dst_namespace` with `dst_deployment` (`dst_statefulset`,
 * `dst_daemonset`, `dst_service`), or, outside the mesh, by `authority`; inbound ones are received by the
 * proxy's own workload; Consul's upstream cluster stats by `consul_destination_namespace` /
 * `consul_destination_service`.
 */
import { workloadFromPod } from '../parse/kubernetes.js';

const known = (v: string | undefined): v is string => !!v && v !== 'unknown' && v !== '-';

/** `namespace/workload` from a Linkerd proxy's own labels, or the `dst_`-prefixed ones of its peer. */
function linkerdWorkload(labels: Record<string, string>, prefix: '' | 'dst_'): string | undefined {
  const pod = labels[`${prefix}pod`];
  const own =
    labels[`${prefix}deployment`] ??
    labels[`${prefix}statefulset`] ??
    labels[`${prefix}daemonset`] ??
    (pod ? workloadFromPod(pod) : undefined) ??
    (prefix === 'dst_' ? labels.dst_service : undefined);
  if (!known(own)) return undefined;
  const ns = labels[`${prefix}namespace`];
  return known(ns) ? `${ns}/${own}` : own;
}

export function meshSourceEntity(labels: Record<string, string>): string | undefined {
  const direction = labels.direction;
  if (direction === 'inbound') return known(labels.client_id) ? labels.client_id : undefined;
  if (direction === 'outbound') return linkerdWorkload(labels, '');
  if (known(labels.consul_source_service))
    return known(labels.consul_source_namespace)
      ? `${labels.consul_source_namespace}/${labels.consul_source_service}`
      : labels.consul_source_service;
  return undefined;
}

/** Both ends of the traffic a Linkerd or Consul series counts, where its labels name them. */
export interface MetricEdge {
  source?: string;
  destination?: string;
}

export function meshEdge(labels: Record<string, string>): MetricEdge {
  const edge: MetricEdge = {};
  const source = meshSourceEntity(labels);
  if (source !== undefined) edge.source = source;
  let destination: string | undefined;
  if (labels.direction === 'inbound') destination = linkerdWorkload(labels, '');
  else if (labels.direction === 'outbound')
    destination = linkerdWorkload(labels, 'dst_') ?? (known(labels.authority) ? labels.authority : undefined);
  else if (known(labels.consul_destination_service))
    destination = known(labels.consul_destination_namespace)
      ? `${labels.consul_destination_namespace}/${labels.consul_destination_service}`
      : labels.consul_destination_service;
  if (destination !== undefined) edge.destination = destination;
  return edge;
}
