/**
 * OTLP/JSON attribute lists (`[{key, value: {stringValue|intValue|...}}]`) as the OTel collector writes them,
 * and the Kubernetes identity its k8sattributes processor puts there. Shared by otlp-json and the shipper
 * envelope reader (shipped.ts), which unwraps OTLP log bodies of the other meshes' formats.
 */
import { copyMeta, metaFromNodeId, podLabelsOf, workloadFromPod, type K8sMeta } from './kubernetes.js';

const POD_LABEL_PREFIX = 'k8s.pod.labels.';
import { isPlainObject } from './values.js';

/** OTLP AnyValue → the scalar we store (int64 arrives as a decimal string in OTLP/JSON). */
export function scalar(v: unknown): unknown {
  if (!isPlainObject(v)) return undefined;
  const s = v['stringValue'];
  if (s !== undefined) return s;
  const i = v['intValue'];
  if (i !== undefined) return i;
  const d = v['doubleValue'];
  if (d !== undefined) return d;
  // boolValue, arrayValue, kvlistValue, bytesValue: no Envoy field has these types; keep them so a
  // wrongly-typed field is rejected by name rather than silently dropped.
  return v['boolValue'] ?? v['arrayValue'] ?? v['kvlistValue'] ?? v['bytesValue'];
}

/**
 * Kubernetes identity from OTel resource (or record) attributes: the k8sattributes processor's `k8s.*`
 * keys, `service.name` as a last-resort workload name, and Envoy's `node_name` (Istio's node id).
 * Returns `base` itself when no key is present, so the common case allocates nothing.
 */
export function metaFromAttributes(attrs: unknown, base: K8sMeta): K8sMeta {
  if (!Array.isArray(attrs)) return base;
  let m: K8sMeta | undefined;
  let deployment = '';
  let serviceName = '';
  let nodeId = '';
  let labels: Record<string, string> | undefined;
  for (let i = 0; i < attrs.length; i++) {
    const kv: unknown = attrs[i];
    if (!isPlainObject(kv)) continue;
    const key = kv['key'];
    if (typeof key !== 'string') continue;
    const first = key.charCodeAt(0);
    // Skip Envoy fields quickly: every identity key starts with k, s or n.
    if (first !== 107 /* k */ && first !== 115 /* s */ && first !== 110 /* n */) continue;
    const raw = scalar(kv['value']);
    if (typeof raw !== 'string' || raw === '') continue;
    switch (key) {
      case 'k8s.namespace.name':
        m ??= copyMeta(base);
        m.namespace = raw;
        break;
      case 'k8s.pod.name':
        m ??= copyMeta(base);
        m.pod = raw;
        break;
      case 'k8s.pod.ip':
        m ??= copyMeta(base);
        m.podIp = raw;
        break;
      case 'k8s.serviceaccount.name':
      case 'k8s.pod.service_account.name':
        m ??= copyMeta(base);
        m.serviceAccount = raw;
        break;
      case 'k8s.deployment.name':
      case 'k8s.statefulset.name':
      case 'k8s.daemonset.name':
        deployment = raw;
        break;
      case 'service.name':
        serviceName = raw;
        break;
      case 'node_name':
        nodeId = raw;
        break;
      default:
        // The k8sattributes processor's pod label extraction (default tag name k8s.pod.labels.<key>).
        if (key.startsWith(POD_LABEL_PREFIX))
          (labels ??= Object.create(null) as Record<string, string>)[key.slice(POD_LABEL_PREFIX.length)] =
            raw;
    }
  }
  if (m === undefined && deployment === '' && serviceName === '' && nodeId === '' && !labels) return base;
  m ??= copyMeta(base);
  if (labels) m.labels = podLabelsOf({ ...base.labels, ...labels });
  if (deployment !== '') m.workload = deployment;
  if (nodeId !== '') metaFromNodeId(nodeId, m);
  if (m.workload === '') m.workload = m.pod !== '' ? workloadFromPod(m.pod) : serviceName;
  return m;
}
