/** What every mesh writer shares: names, owned metadata, the undo instruction, the reason sentence. */
import {
  EXPIRES_ANNOTATION,
  INCIDENT_ANNOTATION,
  KIND_LABEL,
  MANAGED_BY,
  MANAGED_BY_LABEL,
  OFFENDER_LABEL,
  QUARANTINE_ID_LABEL,
  REASON_ANNOTATION,
  UNDO_ANNOTATION,
  containmentName,
  hash8,
  quarantineName,
} from '../policy.js';
import { groupOf, type MeshResource, type ResourceMeta } from './resource.js';
import type { MeshPlan, WriterInput } from './writer.js';

/** The offender's identity as every non-Istio resource names it, so each is auditable on its own. */
export const OFFENDER_ANNOTATION = 'meshguard.io/offender';
/** Quarantines holding a shared resource (comma-separated ids); the last one out restores it. */
export const HOLDERS_ANNOTATION = 'meshguard.io/quarantines';

export function quarantineId(input: WriterInput): string {
  const kind = input.nameKind ?? input.incident.kind;
  return input.containment
    ? containmentName(kind, input.offender.hash)
    : quarantineName(kind, input.offender.hash);
}

export function expiresAtOf(input: WriterInput): string {
  return new Date(input.nowMs + input.cfg.ttl_secs * 1000).toISOString();
}

/** A DNS-1123 name of at most 63 characters: long ones keep a hash of the whole. */
export function dnsName(...parts: string[]): string {
  const full = parts
    .join('-')
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '');
  return full.length <= 63 ? full : `${full.slice(0, 54).replace(/-$/, '')}-${hash8(full)}`;
}

export interface OwnedMetaInput {
  input: WriterInput;
  id: string;
  name: string;
  namespace?: string;
  reason: string;
  undo: string;
  expiresAt: string;
  extraAnnotations?: Record<string, string>;
}

/** Labels and annotations that make a resource findable, owned, explained and expiring. */
export function ownedMeta(o: OwnedMetaInput): ResourceMeta {
  const meta: ResourceMeta = {
    name: o.name,
    labels: {
      [MANAGED_BY_LABEL]: MANAGED_BY,
      [KIND_LABEL]: o.input.incident.kind,
      [OFFENDER_LABEL]: o.input.offender.hash,
      [QUARANTINE_ID_LABEL]: o.id,
    },
    annotations: {
      [INCIDENT_ANNOTATION]: o.input.incident.id,
      [REASON_ANNOTATION]: o.reason,
      [EXPIRES_ANNOTATION]: o.expiresAt,
      [UNDO_ANNOTATION]: o.undo,
      [OFFENDER_ANNOTATION]: o.input.offender.principal ?? o.input.offender.address ?? o.input.offender.key,
      ...o.extraAnnotations,
    },
  };
  if (o.namespace !== undefined) meta.namespace = o.namespace;
  return meta;
}

/** Who the offender is, in one phrase. */
export function whoOf(input: WriterInput): string {
  return input.offender.principal ?? `address ${input.offender.address}`;
}

export function reasonOf(input: WriterInput, what: string, expiresAt: string): string {
  const { incident } = input;
  return (
    `${incident.kind.replace(/_/g, ' ')} by ${whoOf(input)} (severity ${incident.severity}, score ${incident.score.toFixed(2)}, ` +
    `incident ${incident.id}): ${what} until ${expiresAt}.`
  );
}

/** The undo instruction: kubectl for what meshguard created alone, meshguard's release for merges. */
export function undoOf(
  created: MeshResource[],
  merged: MeshResource[],
  id: string,
  adminUrl: string,
): string {
  const api = `curl -X POST -H "Authorization: Bearer $TOKEN" ${adminUrl.replace(/\/+$/, '')}/api/quarantines/${id}/release`;
  const kubectl = created
    .map((r) => {
      const group = groupOf(r.apiVersion);
      const kind = `${r.kind.toLowerCase()}${group ? `.${group}` : ''}`;
      return `kubectl delete ${kind}${r.metadata.namespace ? ` -n ${r.metadata.namespace}` : ''} ${r.metadata.name}`;
    })
    .join(' && ');
  if (merged.length === 0) return `${kubectl} (or through meshguard: ${api})`;
  const names = merged.map(
    (r) => `${r.kind} ${r.metadata.namespace ? `${r.metadata.namespace}/` : ''}${r.metadata.name}`,
  );
  return `${api} (restores exactly what meshguard changed in ${names.join(', ')}${kubectl ? `, and runs ${kubectl}` : ''})`;
}

/**
 * The resources of a plan, applied (each created or merged, with the undo instruction) or, in a dry-run
 * the mesh cannot express, written as suggestions only. `build` makes them with the given undo text.
 */
export function appliedOrSuggested(o: {
  id: string;
  input: WriterInput;
  op: 'create' | 'merge';
  suggestOnly: boolean;
  build: (undo: string) => MeshResource[];
}): Pick<MeshPlan, 'policies' | 'changes' | 'suggestions' | 'undo'> {
  const preview = o.build('');
  const undo = o.suggestOnly
    ? 'nothing applied (dry-run suggestions)'
    : o.op === 'create'
      ? undoOf(preview, [], o.id, o.input.adminUrl)
      : undoOf([], preview, o.id, o.input.adminUrl);
  const resources = o.build(undo);
  return o.suggestOnly
    ? { policies: [], changes: [], suggestions: resources, undo }
    : { policies: resources, changes: resources.map(() => ({ op: o.op })), suggestions: [], undo };
}
