/**
 * The normalized access-log record every parser produces and every later stage reads.
 *
 * One flat shape with every field always present (empty string / 0 / -1 when absent) so the hot path
 * stays monomorphic: V8 keeps one hidden class for all events.
 */
export type Direction = 'inbound' | 'outbound' | 'unknown';

export interface MeshEvent {
  /** Event time in epoch milliseconds (the record's start_time), never the wall clock. */
  timeMs: number;
  /** inbound = logged by the destination's sidecar, outbound = logged by the source's sidecar. */
  direction: Direction;

  /** Stable key of the source workload (the caller): its SPIFFE principal, else `ip:<address>`. */
  src: string;
  srcPrincipal: string;
  srcNamespace: string;
  srcServiceAccount: string;
  /** Pod / workload name when the shipper added Kubernetes metadata. */
  srcWorkload: string;
  /** Caller IP (no port) when known. */
  srcAddress: string;
  /**
   * Optional: true when `srcAddress` is the direct peer of the connection (Envoy's
   * %DOWNSTREAM_DIRECT_REMOTE_ADDRESS%, or the pod that wrote an outbound record), not an address a client
   * could choose (X-Forwarded-For, logged with port 0). Only a direct address may name an offender.
   */
  srcAddressDirect?: boolean;

  /** Stable key of the destination: service host (reviews.shop.svc.cluster.local), principal or address. */
  dst: string;
  dstNamespace: string;
  dstServiceAccount: string;
  dstPrincipal: string;
  /** Optional: the destination port (downstream_local_address), 0 when absent. Scans count distinct ports. */
  dstPort?: number;
  /** True when an outbound request leaves the mesh (PassthroughCluster or a host outside the cluster). */
  egress: boolean;
  /** The external host for egress, else ''. */
  externalHost: string;
  /** True when the peer presented a SPIFFE identity (mTLS); false for plaintext callers. */
  mtls: boolean;

  method: string;
  /** Path without the query string. */
  path: string;
  /**
   * The query string as logged, without the `?` (and without a `#fragment`); '' when none. Raw request
   * content: read per request by the request-content checks, never kept in state or incidents.
   */
  query: string;
  /** HTTP status; 0 for TCP or when absent. */
  status: number;
  responseFlags: string;
  responseCodeDetails: string;
  /** Bytes the caller sent (request body: Envoy's BYTES_RECEIVED on either sidecar). */
  bytesUp: number;
  /** Bytes the caller received (response body: Envoy's BYTES_SENT on either sidecar). */
  bytesDown: number;
  durationMs: number;
  userAgent: string;
  requestId: string;
  authority: string;
  protocol: string;
  upstreamCluster: string;
  /** Scenario label carried by simulated traffic for evaluation; '' for real traffic. Never used to detect. */
  label: string;
  /**
   * Labels of the pod whose sidecar wrote the record, from the shipper's Kubernetes metadata (Fluent Bit /
   * Vector `kubernetes.labels`, OTel `k8s.pod.labels.*`): the destination's on inbound records, the
   * caller's on outbound ones. Shared and frozen; NO_LABELS when the shipper added none.
   */
  podLabels: Readonly<Record<string, string>>;
  /**
   * Istio's shadow (dry-run) verdict of the ALLOW policies on the receiving workload: 'allowed' or
   * 'denied' from `istio_dry_run_allow_shadow_engine_result` in the RBAC filter's dynamic metadata; ''
   * when the record carries none.
   */
  rbacShadowAllow: string;
  /**
   * The DNS name queried, for DNS flows (Hubble L7 DNS), lower-cased without the trailing dot. Optional:
   * set only by the formats that see DNS, so every other event keeps the shared shape.
   */
  dnsQuery?: string;
  /**
   * A text line whose client-written header values (X-Forwarded-For, User-Agent, X-Request-Id,
   * :authority) held quotes that do not split into the four fields: the span is kept whole as the
   * User-Agent and nothing of it is trusted. Set only then; counted per channel as `ambiguous`.
   */
  clientFieldsAmbiguous?: true;
}

/** The one empty label set, shared by every event without shipper labels (never mutated). */
export const NO_LABELS: Readonly<Record<string, string>> = Object.freeze({});

export function emptyEvent(): MeshEvent {
  return {
    timeMs: 0,
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
    method: '',
    path: '',
    query: '',
    status: 0,
    responseFlags: '',
    responseCodeDetails: '',
    bytesUp: 0,
    bytesDown: 0,
    durationMs: 0,
    userAgent: '',
    requestId: '',
    authority: '',
    protocol: '',
    upstreamCluster: '',
    label: '',
    podLabels: NO_LABELS,
    rbacShadowAllow: '',
  };
}

/** Outcome of parsing one record: an event, or a reason it was rejected (never a throw). */
export type ParseResult = { ok: true; event: MeshEvent } | { ok: false; reason: string };

export type InputFormat =
  | 'istio-json'
  | 'envoy-text'
  | 'otlp-json'
  | 'linkerd-json'
  | 'linkerd-apache'
  | 'consul-json'
  | 'ztunnel'
  | 'hubble-json';

/** Every format name, in the order `--format` lists them. */
export const INPUT_FORMATS: readonly InputFormat[] = [
  'istio-json',
  'envoy-text',
  'otlp-json',
  'linkerd-json',
  'linkerd-apache',
  'consul-json',
  'ztunnel',
  'hubble-json',
];
