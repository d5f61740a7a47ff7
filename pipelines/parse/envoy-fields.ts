/**
 * One Envoy access-log record as the parsers hand it to the record builder (record.ts). Keys are Istio's
 * default JSON access-log keys (the same names Istio uses for its text format's fields). istio-json hands
 * over the parsed JSON object itself; envoy-text and otlp-json fill an EnvoyFields.
 */

/** The keys we read. Values are unknown until checked: this is untrusted input. */
export interface EnvoyRecord {
  start_time?: unknown;
  method?: unknown;
  path?: unknown;
  protocol?: unknown;
  response_code?: unknown;
  response_flags?: unknown;
  response_code_details?: unknown;
  connection_termination_details?: unknown;
  upstream_transport_failure_reason?: unknown;
  bytes_received?: unknown;
  bytes_sent?: unknown;
  duration?: unknown;
  upstream_service_time?: unknown;
  x_forwarded_for?: unknown;
  user_agent?: unknown;
  request_id?: unknown;
  authority?: unknown;
  upstream_host?: unknown;
  upstream_cluster?: unknown;
  upstream_local_address?: unknown;
  downstream_local_address?: unknown;
  downstream_remote_address?: unknown;
  /** %DOWNSTREAM_DIRECT_REMOTE_ADDRESS%: the TCP peer, never taken from X-Forwarded-For. */
  downstream_direct_remote_address?: unknown;
  requested_server_name?: unknown;
  route_name?: unknown;
  downstream_peer_uri_san?: unknown;
  upstream_peer_uri_san?: unknown;
  downstream_local_uri_san?: unknown;
  x_meshguard_label?: unknown;
  /** `%DYNAMIC_METADATA(envoy.filters.http.rbac)%`: an object, or its JSON text. */
  rbac_dynamic_metadata?: unknown;
  /** `%DYNAMIC_METADATA(envoy.filters.network.rbac)%`: the same keys for TCP (Envoy's network RBAC filter). */
  rbac_network_dynamic_metadata?: unknown;
  /** `%DYNAMIC_METADATA(envoy.filters.http.rbac:istio_dry_run_allow_shadow_engine_result)%`. */
  istio_dry_run_allow_shadow_engine_result?: unknown;
}

/**
 * A record assembled field by field (text lines, OTLP attributes). A class with every key initialised so
 * all instances share one hidden class and buildEvent's property reads stay monomorphic.
 */
export class EnvoyFields implements EnvoyRecord {
  start_time: unknown = undefined;
  method: unknown = undefined;
  path: unknown = undefined;
  protocol: unknown = undefined;
  response_code: unknown = undefined;
  response_flags: unknown = undefined;
  response_code_details: unknown = undefined;
  connection_termination_details: unknown = undefined;
  upstream_transport_failure_reason: unknown = undefined;
  bytes_received: unknown = undefined;
  bytes_sent: unknown = undefined;
  duration: unknown = undefined;
  upstream_service_time: unknown = undefined;
  x_forwarded_for: unknown = undefined;
  user_agent: unknown = undefined;
  request_id: unknown = undefined;
  authority: unknown = undefined;
  upstream_host: unknown = undefined;
  upstream_cluster: unknown = undefined;
  upstream_local_address: unknown = undefined;
  downstream_local_address: unknown = undefined;
  downstream_remote_address: unknown = undefined;
  downstream_direct_remote_address: unknown = undefined;
  requested_server_name: unknown = undefined;
  route_name: unknown = undefined;
  downstream_peer_uri_san: unknown = undefined;
  upstream_peer_uri_san: unknown = undefined;
  downstream_local_uri_san: unknown = undefined;
  x_meshguard_label: unknown = undefined;
  rbac_dynamic_metadata: unknown = undefined;
  rbac_network_dynamic_metadata: unknown = undefined;
  istio_dry_run_allow_shadow_engine_result: unknown = undefined;
  /** How many Envoy keys were set: 0 means the record was not an access log at all. */
  known = 0;
  /** The text scanner could not split the client-written header values (see MeshEvent). */
  ambiguousClientFields = false;

  /**
   * Set one field by its Istio key; false for keys we do not know (they are ignored, never stored).
   * A switch over fixed names, so a hostile key such as `__proto__` can never reach an object.
   */
  set(key: string, v: unknown): boolean {
    switch (key) {
      case 'start_time':
        this.start_time = v;
        break;
      case 'method':
        this.method = v;
        break;
      case 'path':
        this.path = v;
        break;
      case 'protocol':
        this.protocol = v;
        break;
      case 'response_code':
        this.response_code = v;
        break;
      case 'response_flags':
        this.response_flags = v;
        break;
      case 'response_code_details':
        this.response_code_details = v;
        break;
      case 'connection_termination_details':
        this.connection_termination_details = v;
        break;
      case 'upstream_transport_failure_reason':
        this.upstream_transport_failure_reason = v;
        break;
      case 'bytes_received':
        this.bytes_received = v;
        break;
      case 'bytes_sent':
        this.bytes_sent = v;
        break;
      case 'duration':
        this.duration = v;
        break;
      case 'upstream_service_time':
        this.upstream_service_time = v;
        break;
      case 'x_forwarded_for':
        this.x_forwarded_for = v;
        break;
      case 'user_agent':
        this.user_agent = v;
        break;
      case 'request_id':
        this.request_id = v;
        break;
      case 'authority':
        this.authority = v;
        break;
      case 'upstream_host':
        this.upstream_host = v;
        break;
      case 'upstream_cluster':
        this.upstream_cluster = v;
        break;
      case 'upstream_local_address':
        this.upstream_local_address = v;
        break;
      case 'downstream_local_address':
        this.downstream_local_address = v;
        break;
      case 'downstream_remote_address':
        this.downstream_remote_address = v;
        break;
      case 'downstream_direct_remote_address':
        this.downstream_direct_remote_address = v;
        break;
      case 'requested_server_name':
        this.requested_server_name = v;
        break;
      case 'route_name':
        this.route_name = v;
        break;
      case 'downstream_peer_uri_san':
        this.downstream_peer_uri_san = v;
        break;
      case 'upstream_peer_uri_san':
        this.upstream_peer_uri_san = v;
        break;
      case 'downstream_local_uri_san':
        this.downstream_local_uri_san = v;
        break;
      case 'x_meshguard_label':
        this.x_meshguard_label = v;
        break;
      case 'rbac_dynamic_metadata':
        this.rbac_dynamic_metadata = v;
        break;
      case 'rbac_network_dynamic_metadata':
        this.rbac_network_dynamic_metadata = v;
        break;
      case 'istio_dry_run_allow_shadow_engine_result':
        this.istio_dry_run_allow_shadow_engine_result = v;
        break;
      default:
        return false;
    }
    this.known++;
    return true;
  }

  /** Copy every known key from a parsed JSON object (an explicit list: no Object.keys walk, no merge). */
  assignFrom(o: EnvoyRecord): void {
    this.start_time = o.start_time;
    this.method = o.method;
    this.path = o.path;
    this.protocol = o.protocol;
    this.response_code = o.response_code;
    this.response_flags = o.response_flags;
    this.response_code_details = o.response_code_details;
    this.connection_termination_details = o.connection_termination_details;
    this.upstream_transport_failure_reason = o.upstream_transport_failure_reason;
    this.bytes_received = o.bytes_received;
    this.bytes_sent = o.bytes_sent;
    this.duration = o.duration;
    this.upstream_service_time = o.upstream_service_time;
    this.x_forwarded_for = o.x_forwarded_for;
    this.user_agent = o.user_agent;
    this.request_id = o.request_id;
    this.authority = o.authority;
    this.upstream_host = o.upstream_host;
    this.upstream_cluster = o.upstream_cluster;
    this.upstream_local_address = o.upstream_local_address;
    this.downstream_local_address = o.downstream_local_address;
    this.downstream_remote_address = o.downstream_remote_address;
    this.downstream_direct_remote_address = o.downstream_direct_remote_address;
    this.requested_server_name = o.requested_server_name;
    this.route_name = o.route_name;
    this.downstream_peer_uri_san = o.downstream_peer_uri_san;
    this.upstream_peer_uri_san = o.upstream_peer_uri_san;
    this.downstream_local_uri_san = o.downstream_local_uri_san;
    this.rbac_dynamic_metadata = o.rbac_dynamic_metadata;
    this.rbac_network_dynamic_metadata = o.rbac_network_dynamic_metadata;
    this.istio_dry_run_allow_shadow_engine_result = o.istio_dry_run_allow_shadow_engine_result;
    this.x_meshguard_label = o.x_meshguard_label;
    this.known = looksLikeAccessLog(o) ? 1 : 0;
  }
}

/** A cheap test that an object is an Envoy access-log record rather than some other JSON. */
export function looksLikeAccessLog(o: EnvoyRecord): boolean {
  return (
    o.start_time !== undefined ||
    o.upstream_cluster !== undefined ||
    o.response_code !== undefined ||
    o.downstream_remote_address !== undefined
  );
}
