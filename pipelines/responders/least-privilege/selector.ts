/**
 * The `selector.matchLabels` of a least-privilege policy, from the labels every pod of the workload
 * carried. An ALLOW policy that selects more pods than the workload turns those pods default-deny too, and
 * one that selects fewer leaves new pods open; so labels that differ pod to pod or rollout to rollout are
 * dropped, and a rollout (new version, new ReplicaSet) stays covered by the same policy.
 */
import { isLabel } from '../../parse/kubernetes.js';

/** Labels set per pod, per ReplicaSet / revision, or per version: never part of a workload's selector. */
const VOLATILE_LABELS = new Set([
  'pod-template-hash',
  'controller-revision-hash',
  'pod-template-generation',
  'statefulset.kubernetes.io/pod-name',
  'apps.kubernetes.io/pod-index',
  'batch.kubernetes.io/controller-uid',
  'batch.kubernetes.io/job-name',
  'controller-uid',
  'job-name',
  'version',
  'app.kubernetes.io/version',
  'service.istio.io/canonical-revision',
  'helm.sh/chart',
]);

/** The selector for a workload, or undefined when no stable, well-formed label is left. */
export function selectorOf(
  labels: Readonly<Record<string, string>> | undefined,
): Record<string, string> | undefined {
  if (labels === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const key of Object.keys(labels).sort()) {
    const value = labels[key]!;
    if (VOLATILE_LABELS.has(key) || !isLabel(key, value)) continue;
    out[key] = value;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}
