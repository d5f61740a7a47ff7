/**
 * The Kubernetes identity of the pod whose sidecar wrote a log line, as log shippers attach it:
 * - Fluent Bit's kubernetes filter: `kubernetes: {namespace_name, pod_name, labels, ...}`
 * - Vector's kubernetes_logs source: `kubernetes: {pod_namespace, pod_name, pod_labels, pod_ip, ...}`
 * - the OTel collector's k8sattributes processor: resource attributes `k8s.namespace.name`, `k8s.pod.name`,
 *   `k8s.deployment.name`, ... (read in otlp-json/).
 * A service account is rarely attached by shippers; when it is, outbound events get a real principal.
 */

import { NO_LABELS } from '../core/event.js';

export class K8sMeta {
  namespace = '';
  pod = '';
  /** Workload (canonical service / app label / deployment name), falling back to the pod name. */
  workload = '';
  serviceAccount = '';
  podIp = '';
  /** The pod's labels (only well-formed Kubernetes keys and values), frozen; NO_LABELS when none. */
  labels: Readonly<Record<string, string>> = NO_LABELS;
}

/** Shared "nothing known" instance. Never mutate it: callers copy before changing anything. */
export const NO_META: K8sMeta = new K8sMeta();

export function copyMeta(b: K8sMeta): K8sMeta {
  const m = new K8sMeta();
  m.namespace = b.namespace;
  m.pod = b.pod;
  m.workload = b.workload;
  m.serviceAccount = b.serviceAccount;
  m.podIp = b.podIp;
  m.labels = b.labels;
  return m;
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/**
 * Read a shipper's `kubernetes` object (Fluent Bit or Vector spelling). Only the known keys are read:
 * nothing from the record is merged into our objects, so `__proto__`/`constructor` keys are inert.
 */
export function metaFromKubernetes(k: unknown): K8sMeta {
  if (k === null || typeof k !== 'object' || Array.isArray(k)) return NO_META;
  const o = k as Record<string, unknown>;
  const m = new K8sMeta();
  m.namespace = str(o['namespace_name']) || str(o['pod_namespace']) || str(o['namespace']);
  m.pod = str(o['pod_name']);
  m.serviceAccount =
    str(o['service_account']) || str(o['service_account_name']) || str(o['pod_service_account']);
  m.podIp = str(o['pod_ip']);
  const labels = o['labels'] ?? o['pod_labels'];
  m.labels = podLabelsOf(labels);
  m.workload = workloadFromLabels(labels) || workloadFromPod(m.pod);
  return m;
}

/** A label key: optional DNS-subdomain prefix and a name of at most 63 characters (Kubernetes' rule). */
const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/** Whether a key and value could be a Kubernetes label (anything else cannot select a pod). */
export function isLabel(key: string, value: string): boolean {
  return LABEL_KEY.test(key) && LABEL_VALUE.test(value);
}

/**
 * The shipper's label map, keeping only well-formed string labels: they may end up in a policy's
 * selector, so nothing else from the record is copied. Frozen, so every event can share it.
 */
export function podLabelsOf(labels: unknown): Readonly<Record<string, string>> {
  if (labels === null || typeof labels !== 'object' || Array.isArray(labels)) return NO_LABELS;
  let out: Record<string, string> | undefined;
  for (const [key, value] of Object.entries(labels as Record<string, unknown>)) {
    if (typeof value !== 'string' || !isLabel(key, value)) continue;
    out ??= Object.create(null) as Record<string, string>;
    out[key] = value;
  }
  return out === undefined ? NO_LABELS : Object.freeze(out);
}

/** The workload name Istio itself would use (its canonical-name label), else the usual app labels. */
export function workloadFromLabels(labels: unknown): string {
  if (labels === null || typeof labels !== 'object') return '';
  const l = labels as Record<string, unknown>;
  return (
    str(l['service.istio.io/canonical-name']) ||
    str(l['app.kubernetes.io/name']) ||
    str(l['app']) ||
    str(l['k8s-app'])
  );
}

/**
 * `reviews-v1-545db77b95-2ps7q` → `reviews-v1`: strip a Deployment's ReplicaSet hash and pod suffix so a
 * restart does not look like a new workload. Other pod names are kept whole (StatefulSet pods are stable).
 */
export function workloadFromPod(pod: string): string {
  const last = pod.lastIndexOf('-');
  if (last <= 0 || pod.length - last - 1 !== 5) return pod;
  const prev = pod.lastIndexOf('-', last - 1);
  const hashLen = last - prev - 1;
  if (prev <= 0 || hashLen < 5 || hashLen > 10) return pod;
  if (!isLowerAlnum(pod, prev + 1, last) || !isLowerAlnum(pod, last + 1, pod.length)) return pod;
  return pod.slice(0, prev);
}

function isLowerAlnum(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 122))) return false;
  }
  return true;
}

/**
 * Envoy's node id as Istio sets it (`sidecar~10.244.0.5~httpbin-74fb669cc6-qvlb5.default~default.svc.cluster.local`),
 * which Envoy's OpenTelemetry access logger reports as the `node_name` resource attribute.
 */
export function metaFromNodeId(nodeId: string, into: K8sMeta): void {
  const a = nodeId.indexOf('~');
  if (a === -1) return;
  const b = nodeId.indexOf('~', a + 1);
  const c = b === -1 ? -1 : nodeId.indexOf('~', b + 1);
  if (b === -1 || c === -1) return;
  if (into.podIp === '') into.podIp = nodeId.slice(a + 1, b);
  const podDotNs = nodeId.slice(b + 1, c);
  const dot = podDotNs.lastIndexOf('.');
  if (dot <= 0) return;
  if (into.pod === '') into.pod = podDotNs.slice(0, dot);
  if (into.namespace === '') into.namespace = podDotNs.slice(dot + 1);
  if (into.workload === '') into.workload = workloadFromPod(into.pod);
}
