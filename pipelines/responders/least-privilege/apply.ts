/**
 * Putting a proposal's objects in place through quarantine's policy sink, and taking them out, for every
 * mesh the verifier handles (proposal.ts says what each mesh writes when).
 *
 * Consul's intentions entry for a destination is one object shared by whoever writes intentions to it (a
 * person, a quarantine's merged deny). Least privilege owns the whole entry (its sources end with the `*`
 * deny), so it writes one only where none exists or where the existing one holds exactly its own sources,
 * with check-and-set; anything else is a conflict a person resolves, never an overwrite.
 */
import type { MeshResource } from '../quarantine/mesh/resource.js';
import { refOf, refText } from '../quarantine/mesh/resource.js';
import type { PolicySink } from '../quarantine/sinks/sink.js';
import { dryRunObjects, enforcedObjects, releaseRefs, type Proposal } from './proposal.js';

export class ApplyError extends Error {
  constructor(
    readonly code: 'conflict' | 'sink_failed',
    message: string,
  ) {
    super(message);
  }
}

async function applyAll(sink: PolicySink, objects: readonly MeshResource[]): Promise<void> {
  for (const o of objects) {
    const delivery = await sink.apply(o);
    if (delivery.code !== 'ok')
      throw new ApplyError(
        'sink_failed',
        `${sink.name} sink: ${refText(refOf(o))}: ${delivery.error.message}`,
      );
  }
}

/**
 * Apply the verification form. On a failure part way (Linkerd's several objects), what was applied is
 * deleted again, so nothing untracked stays in the cluster; the error says what could not be undone.
 */
export async function applyForVerification(sink: PolicySink, p: Proposal): Promise<void> {
  const objects = dryRunObjects(p);
  const applied: MeshResource[] = [];
  try {
    for (const o of objects) {
      await applyAll(sink, [o]);
      applied.push(o);
    }
  } catch (error) {
    const left: string[] = [];
    for (const o of applied.reverse())
      if ((await sink.delete(refOf(o))).code !== 'ok') left.push(refText(refOf(o)));
    const tail = left.length ? `; could not remove again: ${left.join(', ')}` : '';
    throw new ApplyError('sink_failed', `${(error as Error).message}${tail}`);
  }
}

const sourcesOf = (o: MeshResource): string =>
  JSON.stringify(
    ((o.spec as { sources?: Array<{ name?: string; action?: string }> }).sources ?? [])
      .map((s) => `${s.name ?? ''}:${s.action ?? ''}`)
      .sort(),
  );

/** Apply the enforced form (Consul: written here for the first time, with check-and-set). */
export async function applyForEnforcement(sink: PolicySink, p: Proposal): Promise<void> {
  if (p.mesh !== 'consul') return applyAll(sink, enforcedObjects(p));
  for (const o of p.objects) {
    const ref = refOf(o);
    const existing = await sink.read(ref);
    if (existing && sourcesOf(existing.resource) !== sourcesOf(o))
      throw new ApplyError(
        'conflict',
        `${refText(ref)} already exists with other sources: least privilege owns the whole entry, so it is not overwritten; merge the proposal by hand or remove the entry first`,
      );
    const delivery = await sink.write(o, existing?.version);
    if (delivery.code !== 'ok')
      throw new ApplyError('sink_failed', `${sink.name} sink: ${refText(ref)}: ${delivery.error.message}`);
  }
}

/** Take the proposal's objects out (Consul in verification: nothing was written). */
export async function removeFromCluster(sink: PolicySink, p: Proposal, written: boolean): Promise<void> {
  if (p.mesh === 'consul') {
    if (!written) return;
    for (const o of p.objects) {
      const existing = await sink.read(refOf(o));
      if (!existing) continue;
      // Someone (a quarantine's deny, a person) added to the entry since: deleting it would drop theirs too.
      if (sourcesOf(existing.resource) !== sourcesOf(o))
        throw new ApplyError(
          'conflict',
          `${refText(refOf(o))} holds sources least privilege did not write: release those first, or edit the entry by hand`,
        );
      const delivery = await sink.delete(refOf(o), existing.version);
      if (delivery.code !== 'ok')
        throw new ApplyError('sink_failed', `${sink.name} sink: ${delivery.error.message}`);
    }
    return;
  }
  for (const ref of releaseRefs(p)) {
    const delivery = await sink.delete(ref);
    if (delivery.code !== 'ok')
      throw new ApplyError('sink_failed', `${sink.name} sink: ${refText(ref)}: ${delivery.error.message}`);
  }
}
