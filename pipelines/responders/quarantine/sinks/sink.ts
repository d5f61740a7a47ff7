/**
 * Where quarantine policies go. One interface, three implementations: a GitOps directory of YAML files,
 * the Kubernetes API (server-side apply), and none. Dry-run is not a sink: it is the istio.io/dry-run
 * annotation on the policy, so the same sink carries both.
 *
 * Sinks never retry: apply and delete classify the outcome (Delivery) and enforcement.ts retries the
 * retryable ones; list() throws when the policies cannot be read.
 */
import type { Delivery } from '../../../core/delivery.js';
import type { AuthorizationPolicyManifest, NetworkPolicyManifest } from '../policy.js';

export type SinkName = 'gitops' | 'kubernetes' | 'none';

export interface PolicySink {
  readonly name: SinkName;
  /** Create or update the policy (idempotent). */
  apply(policy: AuthorizationPolicyManifest): Promise<Delivery>;
  /** Remove the policy; a policy already gone is success. */
  delete(namespace: string, name: string): Promise<Delivery>;
  /** Policies meshguard owns (label app.kubernetes.io/managed-by=meshguard). */
  list(): Promise<AuthorizationPolicyManifest[]>;
  /** Record a suggestion meshguard cannot apply itself (a NetworkPolicy); never applied. Optional. */
  suggest?(manifest: NetworkPolicyManifest): Promise<Delivery>;
  /** Remove a suggestion written earlier. */
  deleteSuggestion?(namespace: string, name: string): Promise<Delivery>;
}

export function errorOf(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
