/**
 * The verifier's state in the injected StateStore (Redis in production, like the quarantine ledger), so a
 * restarted `meshguard serve` resumes every clean period where it was and never promotes, asks approval
 * for, or re-applies a policy twice:
 * - `least-privilege:policy:<ns>/<name>` → one tracked proposal (JSON, schema below): its objects, state,
 *   would-be denials, when it was applied, last would-be denial, start of its clean period, promotion.
 * - `least-privilege:proposed-at`        → when the learned proposals were applied (the loop does not
 *   learn and propose again after a restart).
 * Writes of one proposal are coalesced (a burst of would-be denials is one write per event-loop turn);
 * state changes are written before the step returns. A record that does not match the schema is logged,
 * counted and skipped: nothing else is lost.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { Logger } from 'pino';
import type { StateStore } from '../../core/state-store.js';
import type { Proposal } from './proposal.js';

const POLICY = 'least-privilege:policy:';
const PROPOSED_AT = 'least-privilege:proposed-at';

const Resource = Type.Object({
  apiVersion: Type.String(),
  kind: Type.String(),
  metadata: Type.Object({
    name: Type.String(),
    namespace: Type.Optional(Type.String()),
    labels: Type.Optional(Type.Record(Type.String(), Type.String())),
    annotations: Type.Optional(Type.Record(Type.String(), Type.String())),
  }),
  spec: Type.Object({}),
});

export const TrackedRecord = Type.Object({
  proposal: Type.Object({
    mesh: Type.Union([Type.Literal('istio'), Type.Literal('linkerd'), Type.Literal('consul')]),
    namespace: Type.String(),
    name: Type.String(),
    workload: Type.String(),
    selector: Type.Record(Type.String(), Type.String()),
    objects: Type.Array(Resource, { minItems: 1 }),
    allowedSources: Type.Optional(Type.Array(Type.String())),
  }),
  state: Type.Union([Type.Literal('dry_run'), Type.Literal('pending_approval'), Type.Literal('enforced')]),
  wouldDeny: Type.Integer({ minimum: 0 }),
  appliedAtMs: Type.Number(),
  lastWouldDenyMs: Type.Optional(Type.Number()),
  cleanSinceMs: Type.Number(),
  promotedAtMs: Type.Optional(Type.Number()),
});
export type TrackedRecord = Static<typeof TrackedRecord>;

const keyOf = (r: TrackedRecord): string => `${POLICY}${r.proposal.namespace}/${r.proposal.name}`;

export class VerifierStore {
  private readonly dirty = new Map<string, TrackedRecord>();
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly store: StateStore,
    private readonly logger: Logger,
  ) {}

  /** False while the store cannot be read: restoring then would look like "nothing tracked". */
  readable(): boolean {
    return this.store.healthy();
  }

  /**
   * Every tracked proposal kept, and how many records were unreadable or refused by `check` (its
   * reasons, empty = accepted): a record is applied again on promotion, so it is checked like a new one.
   */
  async load(check: (p: Proposal) => string[]): Promise<{ records: TrackedRecord[]; invalid: number }> {
    const records: TrackedRecord[] = [];
    let invalid = 0;
    for (const key of await this.store.keys(POLICY)) {
      const text = await this.store.get(key);
      if (text === undefined) continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        value = undefined;
      }
      const errors = Value.Check(TrackedRecord, value)
        ? check(value.proposal as Proposal)
        : ['not a least-privilege record'];
      if (errors.length === 0) records.push(value as TrackedRecord);
      else {
        invalid++;
        this.logger.error({ key, errors }, 'Least-privilege record in the state store refused; skipped.');
      }
    }
    return { records, invalid };
  }

  /** Write now (a state change: applied, pending approval, promoted). */
  async save(r: TrackedRecord): Promise<void> {
    this.dirty.delete(keyOf(r));
    await this.store.set(keyOf(r), JSON.stringify(r));
  }

  /** Write soon: a would-be denial (many may come in one turn; the last one wins). */
  saveSoon(r: TrackedRecord): void {
    this.dirty.set(keyOf(r), r);
    this.flushing ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.flush());
  }

  /** Write everything saveSoon queued. */
  async flush(): Promise<void> {
    const pending = [...this.dirty.values()];
    this.dirty.clear();
    this.flushing = undefined;
    for (const r of pending) await this.store.set(keyOf(r), JSON.stringify(r));
  }

  async remove(namespace: string, name: string): Promise<void> {
    this.dirty.delete(`${POLICY}${namespace}/${name}`);
    await this.store.delete(`${POLICY}${namespace}/${name}`);
  }

  async proposedAt(): Promise<string | undefined> {
    return this.store.get(PROPOSED_AT);
  }

  async markProposed(atIso: string): Promise<void> {
    await this.store.set(PROPOSED_AT, atIso);
  }
}
