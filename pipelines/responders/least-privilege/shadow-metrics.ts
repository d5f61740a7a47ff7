/**
 * Would-be denials from the proxies' own metrics, for workloads whose access log does not carry the
 * shadow verdict (or is not shipped at all).
 *
 * Istio: a dry-run ALLOW policy gives the sidecar's RBAC filter shadow rules with the stat prefix
 * `istio_dry_run_allow_`; Envoy counts their outcome as `http.<conn manager>.rbac.istio_dry_run_allow_shadow_denied`
 * (`<prefix>.rbac.` for the network filter). Istio's bootstrap extracts the tags `authz_dry_run_action`
 * (`allow` | `deny`) and `authz_dry_run_result` (`allowed` | `denied`), so Prometheus shows it as
 * `envoy_http_inbound_0_0_0_0_80_rbac{authz_dry_run_action="allow",authz_dry_run_result="denied"}`
 * (Istio's "Dry Run" task); a proxy without that tag extraction exports the flat name
 * `envoy_http_rbac_istio_dry_run_allow_shadow_denied`. Both are read. DENY dry-runs are not ours.
 *
 * Linkerd: a Server with `accessPolicy: audit` lets through what its policies would refuse and counts it
 * on `inbound_http_authz_allow_total` / `inbound_tcp_authz_allow_total` with `authz_name="audit"`
 * (Linkerd's "Authorization Policy" feature page, audit mode).
 *
 * The destination is the scraped pod: `namespace`/`pod` (or Prometheus' older `kubernetes_namespace`/
 * `kubernetes_pod_name`) and the pod labels Prometheus copied, names sanitized (`app`,
 * `service_istio_io_canonical_name`, Linkerd's `deployment`). Those labels are set by the scraper from the
 * Kubernetes API, not by the pod; a pod that forged its own would at most delay a promotion.
 */
import { workloadFromPod } from '../../parse/kubernetes.js';
import { seriesKey, type MetricSample } from '../../metrics/sample.js';

/** Counter series remembered for their previous value (bounded: the series come from every pod). */
const MAX_SERIES = 50_000;

export type ShadowSource = 'istio-rbac-shadow' | 'linkerd-audit';

/** Calls a dry-run (or audit-mode) policy let through at one pod since the previous sample. */
export interface ShadowDenials {
  source: ShadowSource;
  namespace: string;
  /** The series' labels (pod labels among them, in Prometheus' sanitized spelling). */
  labels: Readonly<Record<string, string>>;
  /** The workload the pod belongs to, '' when nothing names it. */
  workload: string;
  count: number;
}

const ISTIO_TAGGED = /^envoy_(?:.+_)?rbac$/;
const ISTIO_FLAT = /^envoy_(?:.+_)?rbac_istio_dry_run_allow_shadow_denied$/;
const LINKERD_AUDITED = new Set(['inbound_http_authz_allow_total', 'inbound_tcp_authz_allow_total']);

function sourceOf(s: MetricSample): ShadowSource | undefined {
  const l = s.labels;
  if (LINKERD_AUDITED.has(s.name)) return l.authz_name === 'audit' ? 'linkerd-audit' : undefined;
  if (ISTIO_FLAT.test(s.name)) return 'istio-rbac-shadow';
  if (ISTIO_TAGGED.test(s.name) && l.authz_dry_run_action === 'allow' && l.authz_dry_run_result === 'denied')
    return 'istio-rbac-shadow';
  return undefined;
}

const known = (v: string | undefined): string => (v && v !== 'unknown' && v !== '-' ? v : '');

function workloadOf(l: Record<string, string>, pod: string): string {
  return (
    known(l.deployment) ||
    known(l.statefulset) ||
    known(l.daemonset) ||
    known(l.service_istio_io_canonical_name) ||
    known(l.app_kubernetes_io_name) ||
    known(l.app) ||
    (pod ? workloadFromPod(pod) : '')
  );
}

/** Turns cumulative shadow-denial counters into increases per pod. */
export class ShadowMetricReader {
  private readonly last = new Map<string, number>();

  /** The would-be denials this sample adds, or undefined when it is not such a series (or adds none). */
  read(s: MetricSample): ShadowDenials | undefined {
    const source = sourceOf(s);
    if (!source || !Number.isFinite(s.value) || s.value < 0) return undefined;
    const namespace = known(s.labels.namespace) || known(s.labels.kubernetes_namespace);
    if (!namespace) return undefined;
    const count = this.increase(s);
    if (count <= 0) return undefined;
    const pod = known(s.labels.pod) || known(s.labels.kubernetes_pod_name);
    return { source, namespace, labels: s.labels, workload: workloadOf(s.labels, pod), count };
  }

  /**
   * The counter's increase since its previous sample. A series seen for the first time counts in full:
   * meshguard cannot tell when those denials happened, and a wrong count only restarts a clean period.
   * A value below the previous one is a restarted proxy: the counter began again from zero.
   */
  private increase(s: MetricSample): number {
    if (s.kind === 'delta') return s.value;
    const key = seriesKey(s.name, s.labels);
    const previous = this.last.get(key);
    if (previous === undefined && this.last.size >= MAX_SERIES) {
      const oldest = this.last.keys().next().value;
      if (oldest !== undefined) this.last.delete(oldest);
    }
    this.last.set(key, s.value);
    if (previous === undefined || s.value < previous) return s.value;
    return s.value - previous;
  }
}
