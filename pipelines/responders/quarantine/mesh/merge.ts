/**
 * Merging meshguard's part into a resource that may be shared, and taking exactly that part out again.
 * Pure functions over resources; enforcement.ts reads, merges and writes back conditionally.
 *
 * - Linkerd objects are per destination server, shared by every quarantine that protects it (Linkerd's
 *   authorizations are a union: two AuthorizationPolicies each admitting "everyone but offender X" would
 *   together admit both offenders). The holders annotation counts the quarantines; the MeshTLSAuthentication
 *   loses each held offender's identity; the last holder out deletes what meshguard created.
 * - A pre-existing Server only has its accessPolicy changed; its original value is kept on the Server
 *   itself (restore annotation) and put back exactly when the last holder leaves.
 * - A Consul service-intentions entry gets one exact deny source per quarantine; a source the offender
 *   already had there is set aside in the record and given back on release. Other sources are never touched.
 */
import { MANAGED_BY, MANAGED_BY_LABEL } from '../policy.js';
import { HOLDERS_ANNOTATION } from './common.js';
import { groupOf, type MergeUndo, type MeshResource } from './resource.js';

/** The original accessPolicy of a pre-existing Server (JSON; `null` = the field was absent). */
export const RESTORE_ACCESS_POLICY = 'meshguard.io/restore-access-policy';
/** On a MeshTLSAuthentication: the identity this quarantine excludes. */
export const EXCLUDED_IDENTITY = 'meshguard.io/excluded-identity';
/** On a MeshTLSAuthentication: the excluded identity was a legitimate caller (release adds it back). */
export const EXCLUDED_WAS_CALLER = 'meshguard.io/excluded-was-caller';
/** Prefix of the description of every Consul intention source meshguard writes. */
export const CONSUL_SOURCE_MARK = 'meshguard quarantine ';

const LINKERD_GROUP = 'policy.linkerd.io';
const CONSUL_GROUP = 'consul.hashicorp.com';

export interface MergeResult {
  next: MeshResource;
  undo: MergeUndo;
}

type Spec = Record<string, unknown>;

function clone(r: MeshResource): MeshResource {
  const c = structuredClone(r);
  c.metadata.annotations ??= {};
  return c;
}

function holders(r: MeshResource): string[] {
  return (r.metadata.annotations?.[HOLDERS_ANNOTATION] ?? '').split(',').filter(Boolean);
}

function setHolders(r: MeshResource, ids: string[]): void {
  r.metadata.annotations ??= {};
  if (ids.length) r.metadata.annotations[HOLDERS_ANNOTATION] = [...new Set(ids)].sort().join(',');
  else delete r.metadata.annotations[HOLDERS_ANNOTATION];
}

function ownedByMeshguard(r: MeshResource): boolean {
  return r.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY;
}

function isLinkerd(r: MeshResource): boolean {
  return groupOf(r.apiVersion) === LINKERD_GROUP;
}

export function isConsulIntentions(r: MeshResource): boolean {
  return groupOf(r.apiVersion) === CONSUL_GROUP && r.kind === 'ServiceIntentions';
}

interface IntentionSource {
  name?: string;
  namespace?: string;
  partition?: string;
  peer?: string;
  description?: string;
  [key: string]: unknown;
}

function sourcesOf(r: MeshResource): IntentionSource[] {
  const s = (r.spec as Spec).sources;
  return Array.isArray(s) ? (s as IntentionSource[]) : [];
}

function sameSource(a: IntentionSource, b: IntentionSource): boolean {
  return (
    (a.name ?? '') === (b.name ?? '') &&
    (a.namespace ?? '') === (b.namespace ?? '') &&
    (a.partition ?? '') === (b.partition ?? '') &&
    (a.peer ?? '') === (b.peer ?? '')
  );
}

function isOurs(source: IntentionSource, id: string): boolean {
  return (
    typeof source.description === 'string' && source.description.startsWith(`${CONSUL_SOURCE_MARK}${id}:`)
  );
}

/** Put `ours` (built for quarantine `id`) into `current` (undefined: there is none yet). */
export function mergeResource(
  current: MeshResource | undefined,
  ours: MeshResource,
  id: string,
): MergeResult {
  if (isConsulIntentions(ours)) return mergeIntentions(current, ours, id);
  if (!isLinkerd(ours)) throw new Error(`no merge defined for ${ours.apiVersion} ${ours.kind}`);
  if (!current) {
    const next = clone(ours);
    setHolders(next, [id]);
    const excluded = ours.metadata.annotations?.[EXCLUDED_IDENTITY];
    const wasCaller = ours.metadata.annotations?.[EXCLUDED_WAS_CALLER] === 'true';
    if (next.kind === 'MeshTLSAuthentication') {
      delete next.metadata.annotations![EXCLUDED_IDENTITY];
      delete next.metadata.annotations![EXCLUDED_WAS_CALLER];
    }
    return { next, undo: { removed: excluded && wasCaller ? [excluded] : [] } };
  }
  const next = clone(current);
  setHolders(next, [...holders(current), id]);
  const spec = next.spec as Spec;
  if (next.kind === 'Server') {
    // Someone else's Server: change only its default authorization, and remember the original once.
    if (!ownedByMeshguard(current) && !(RESTORE_ACCESS_POLICY in next.metadata.annotations!))
      next.metadata.annotations![RESTORE_ACCESS_POLICY] = JSON.stringify(spec.accessPolicy ?? null);
    const wanted = (ours.spec as Spec).accessPolicy;
    // Dry-run never loosens: a Server that already denies by default stays deny, not audit.
    if (!(wanted === 'audit' && spec.accessPolicy === 'deny')) spec.accessPolicy = wanted;
    return { next, undo: {} };
  }
  if (next.kind === 'MeshTLSAuthentication') {
    const excluded = ours.metadata.annotations?.[EXCLUDED_IDENTITY];
    const identities = Array.isArray(spec.identities) ? (spec.identities as string[]) : [];
    const had = excluded !== undefined && identities.includes(excluded);
    spec.identities = identities.filter((i) => i !== excluded);
    return { next, undo: { removed: had ? [excluded] : [] } };
  }
  return { next, undo: {} };
}

/**
 * Take quarantine `id`'s part out of `current`. Returns the resource to write back, `null` to delete it,
 * or undefined when there is nothing to do (it is gone already, or `id` no longer holds it).
 */
export function unmergeResource(
  current: MeshResource | undefined,
  ours: MeshResource,
  id: string,
  undo: MergeUndo | undefined,
): MeshResource | null | undefined {
  if (!current) return undefined;
  if (isConsulIntentions(ours)) return unmergeIntentions(current, id, undo);
  const held = holders(current);
  if (!held.includes(id)) return undefined;
  const remaining = held.filter((h) => h !== id);
  const next = clone(current);
  setHolders(next, remaining);
  const spec = next.spec as Spec;
  if (next.kind === 'MeshTLSAuthentication') {
    const identities = Array.isArray(spec.identities) ? (spec.identities as string[]) : [];
    spec.identities = [...new Set([...identities, ...((undo?.removed ?? []) as string[])])].sort();
  }
  if (remaining.length > 0) return next;
  if (ownedByMeshguard(current)) return null;
  if (next.kind === 'Server') {
    const original = next.metadata.annotations![RESTORE_ACCESS_POLICY];
    if (original !== undefined) {
      const value = JSON.parse(original) as unknown;
      if (value === null) delete spec.accessPolicy;
      else spec.accessPolicy = value;
      delete next.metadata.annotations![RESTORE_ACCESS_POLICY];
    }
  }
  if (Object.keys(next.metadata.annotations ?? {}).length === 0) delete next.metadata.annotations;
  return next;
}

function mergeIntentions(current: MeshResource | undefined, ours: MeshResource, id: string): MergeResult {
  const mine = sourcesOf(ours);
  if (!current) return { next: clone(ours), undo: { removed: [] } };
  const next = clone(current);
  const removed: IntentionSource[] = [];
  const kept = sourcesOf(current).filter((s) => {
    if (!mine.some((m) => sameSource(m, s))) return true;
    // Consul allows one source per name in an entry: the offender's own source is set aside, restored on release.
    if (!isOurs(s, id)) removed.push(s);
    return false;
  });
  (next.spec as Spec).sources = [...kept, ...structuredClone(mine)];
  return { next, undo: { removed } };
}

function unmergeIntentions(
  current: MeshResource,
  id: string,
  undo: MergeUndo | undefined,
): MeshResource | null | undefined {
  const sources = sourcesOf(current);
  if (!sources.some((s) => isOurs(s, id))) return undefined;
  let kept = sources.filter((s) => !isOurs(s, id));
  for (const r of (undo?.removed ?? []) as IntentionSource[])
    if (!kept.some((s) => sameSource(s, r))) kept = [...kept, r];
  if (kept.length === 0 && ownedByMeshguard(current)) return null;
  const next = clone(current);
  (next.spec as Spec).sources = kept;
  if (Object.keys(next.metadata.annotations ?? {}).length === 0) delete next.metadata.annotations;
  return next;
}
