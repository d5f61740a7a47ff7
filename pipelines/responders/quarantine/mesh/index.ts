/** The policy writer of each mesh, named by quarantine.mesh. */
import { ambientWriter } from './ambient.js';
import { ciliumWriter } from './cilium.js';
import { consulWriter } from './consul.js';
import { istioWriter } from './istio.js';
import { linkerdWriter } from './linkerd.js';
import type { MeshName } from './resource.js';
import type { MeshPolicyWriter } from './writer.js';

const WRITERS: Record<MeshName, MeshPolicyWriter> = {
  istio: istioWriter,
  ambient: ambientWriter,
  linkerd: linkerdWriter,
  consul: consulWriter,
  cilium: ciliumWriter,
};

export function writerFor(mesh: MeshName): MeshPolicyWriter {
  return WRITERS[mesh];
}

export type { MeshPolicyWriter, MeshPlan, WriterInput } from './writer.js';
export type { CallerDirectory, CallerIdentity, WorkloadRef } from './callers.js';
export { ObservedCallGraph } from './callers.js';
export type { MeshName, MeshResource, ResourceRef, ChangeState } from './resource.js';
