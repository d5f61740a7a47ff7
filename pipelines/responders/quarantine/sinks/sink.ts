/**
 * Where quarantine resources go. One interface, four implementations: a GitOps directory of YAML files,
 * the Kubernetes API (server-side apply, conditional replace), Consul's HTTP API (config entries with
 * check-and-set), and none. Any mesh's resources travel through any of them (consul-http carries only
 * Consul's ServiceIntentions). Dry-run is not a sink: it is a property of the resources (istio.io/dry-run,
 * Linkerd's accessPolicy: audit), so the same sink carries both.
 *
 * Sinks never retry: every call classifies its outcome (Delivery) and enforcement.ts retries the
 * retryable ones (a conditional write that lost a race is retryable: the caller reads again and merges
 * again); list(), read() and listKind() throw when the store cannot be read.
 */
import type { Delivery } from '../../../core/delivery.js';
import type { MeshResource, ResourceRef, VersionedResource } from '../mesh/resource.js';

export type SinkName = 'gitops' | 'kubernetes' | 'consul' | 'none';

/** What a mesh writer may read while planning: what exists already, whoever wrote it. */
export interface ResourceReader {
  /** The resource, or undefined when there is none. */
  read(ref: ResourceRef): Promise<VersionedResource | undefined>;
  /** Every resource of this kind (in this namespace when given), meshguard's or not. */
  listKind(apiVersion: string, kind: string, namespace?: string): Promise<MeshResource[]>;
}

export interface PolicySink extends ResourceReader {
  readonly name: SinkName;
  /** Create or update a resource meshguard owns alone (idempotent). */
  apply(resource: MeshResource): Promise<Delivery>;
  /**
   * Write a shared resource on condition that it is still at `version` (undefined: that it still does
   * not exist). A lost race answers retryable.
   */
  write(resource: MeshResource, version: string | undefined): Promise<Delivery>;
  /** Remove the resource (at `version` when given); a resource already gone is success. */
  delete(ref: ResourceRef, version?: string): Promise<Delivery>;
  /** Resources meshguard owns (label app.kubernetes.io/managed-by=meshguard). */
  list(): Promise<MeshResource[]>;
  /** Record a suggestion meshguard does not apply itself; never applied. Optional. */
  suggest?(resource: MeshResource): Promise<Delivery>;
  /** Remove a suggestion written earlier. */
  deleteSuggestion?(ref: ResourceRef): Promise<Delivery>;
}

export function errorOf(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
