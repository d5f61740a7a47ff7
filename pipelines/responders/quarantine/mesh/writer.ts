/**
 * One interface for every mesh's policy writer: an offender and its incident in, that mesh's resources
 * out, with how each is put in place (create, or merge into what exists) and what the mesh could not
 * enforce. The guardrails, dry-run-first, retries, audit and release around it are the same for all
 * meshes (decide.ts, enforcement.ts); only what is written differs.
 */
import type { PlanInput } from '../policy.js';
import type { ResourceReader } from '../sinks/sink.js';
import type { CallerDirectory } from './callers.js';
import type { ChangeState, MeshName, MeshResource } from './resource.js';
import type { ResourceKind } from '../sinks/kubernetes.js';
import type { Destination } from './targets.js';

/**
 * Graduated containment (containment.ts) for a mesh without Istio's DENY-by-selector: the offender keeps
 * `keep` (its learned edges) and is refused at every destination of `protect` (every other one the call
 * graph knows). The writer builds it instead of the evidence's destinations.
 */
export interface ContainmentScope {
  keep: Destination[];
  protect: Destination[];
}

/** What the Istio builder takes (policy.ts), plus what other meshes need to read and to know. */
export interface WriterInput extends PlanInput {
  trustDomain: string;
  /** What exists already (the sink): pre-existing Servers, intentions entries. */
  reader: ResourceReader;
  /** Who legitimately calls a destination (Linkerd authorizes them, minus the offender). */
  callers: CallerDirectory;
  /** Set: contain the offender to its baseline instead of quarantining it (linkerd and consul writers). */
  containment?: ContainmentScope;
}

export interface MeshPlan {
  /** The quarantine id. */
  id: string;
  /** The resources to put in place, in order. */
  policies: MeshResource[];
  /** How each of `policies` is put in place (index-aligned). */
  changes: ChangeState[];
  /** Resources meshguard suggests but never applies (a NetworkPolicy, a Cilium policy in dry-run). */
  suggestions: MeshResource[];
  scope: 'mesh-wide' | 'namespaces';
  /** What the mesh could not enforce, and what a person must know about what was done. */
  notEnforced: string[];
  /** One sentence: who, why, what, until when. */
  reason: string;
  undo: string;
  expiresAt: string;
  /** Set when the plan contains the offender to its baseline instead of cutting it off (containment.ts). */
  containment?: 'contain-to-baseline';
  /** With containment: the destinations the offender keeps (`<namespace>/<workload>`). */
  kept?: string[];
}

export interface MeshPolicyWriter {
  readonly mesh: MeshName;
  /** The kinds this writer emits (what the kubernetes sink lists as meshguard's). */
  readonly kinds: ResourceKind[];
  plan(input: WriterInput): Promise<MeshPlan>;
  /** meshguard's own rules for one of this mesh's resources, beyond its schema (empty = valid). */
  invariantErrors(resource: MeshResource): string[];
  /** Where the resources are enforced and how soon, for the incident's action (`applied ...`). */
  appliedText(mode: 'dry-run' | 'enforce'): string;
}
