/**
 * What a mesh's policy writer emits, whatever the mesh: Kubernetes-shaped resources (Istio and Linkerd
 * policies, Consul's ServiceIntentions, Cilium network policies), and how each is put in place.
 *
 * Two ways to change a resource:
 * - `create`: the resource is meshguard's alone; release deletes it.
 * - `merge`: the resource may be shared (a pre-existing Linkerd Server, a Consul service-intentions
 *   entry with other sources, one Linkerd authorization per server for every quarantined caller): it is
 *   read, merged with meshguard's part, written back with a precondition (resourceVersion, Consul's
 *   cas=ModifyIndex), and on release exactly meshguard's part is taken out again (merge.ts).
 */
export const MESHES = ['istio', 'ambient', 'linkerd', 'consul', 'cilium'] as const;
export type MeshName = (typeof MESHES)[number];

export interface ResourceMeta {
  name: string;
  /** Absent for cluster-scoped kinds (CiliumClusterwideNetworkPolicy). */
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  resourceVersion?: string;
}

export interface MeshResource {
  apiVersion: string;
  kind: string;
  metadata: ResourceMeta;
  spec: object;
}

/** Which resource, without its content. */
export interface ResourceRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

/** How one planned resource is put in place (index-aligned with the record's policies). */
export type ChangeState =
  | { op: 'create' }
  /** `undo`: what this quarantine's merge removed or replaced, filled in when it is applied (merge.ts). */
  | { op: 'merge'; undo?: MergeUndo };

/** What a merge took away that release must give back. JSON, kept in the quarantine record. */
export interface MergeUndo {
  /** Identities (Linkerd) or intention sources (Consul) this quarantine removed or replaced. */
  removed?: unknown[];
}

export function refOf(r: MeshResource): ResourceRef {
  const ref: ResourceRef = { apiVersion: r.apiVersion, kind: r.kind, name: r.metadata.name };
  if (r.metadata.namespace !== undefined) ref.namespace = r.metadata.namespace;
  return ref;
}

export function refText(ref: ResourceRef): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
}

/** The API group of an apiVersion (`policy.linkerd.io/v1beta3` → `policy.linkerd.io`; `v1` → ``). */
export function groupOf(apiVersion: string): string {
  const i = apiVersion.lastIndexOf('/');
  return i < 0 ? '' : apiVersion.slice(0, i);
}

/** A resource as read from a sink, with the version a conditional write must name. */
export interface VersionedResource {
  resource: MeshResource;
  /** resourceVersion (Kubernetes), ModifyIndex (Consul), content hash (GitOps). */
  version: string;
}
