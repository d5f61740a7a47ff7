/**
 * The quarantine ledger: every record and every claim that must hold across replicas, in the injected
 * StateStore (Redis in production):
 * - `quarantine:<offenderHash>`          → quarantine id. The claim: whoever sets it first (setIfAbsent)
 *                                          acts; the others return the existing quarantine.
 * - `quarantine-record:<id>`             → the QuarantineRecord (JSON).
 * - `quarantine-release:<id>:<revision>` → one replica releases (and notifies) once.
 * (The blast-radius cap's slots are in guardrails.ts, the audit entries in audit-trail.ts.)
 */
import type { Metrics } from '../../core/metrics.js';
import type { QuarantineMode } from '../../core/incident.js';
import type { StateStore } from '../../core/state-store.js';
import type { QuarantineConfig } from './config.js';
import { isLive, type QuarantineRecord } from './record.js';

const CLAIM = 'quarantine:';
const RECORD = 'quarantine-record:';
const RELEASE = 'quarantine-release:';

export class QuarantineLedger {
  constructor(
    private readonly cfg: Pick<QuarantineConfig, 'ttl_secs' | 'audit_retention_secs'>,
    private readonly store: StateStore,
    private readonly metrics: Metrics,
  ) {}

  async get(id: string): Promise<QuarantineRecord | undefined> {
    const text = await this.store.get(RECORD + id);
    if (!text) return undefined;
    try {
      return JSON.parse(text) as QuarantineRecord;
    } catch {
      return undefined;
    }
  }

  /** Every quarantine record still kept, newest first. */
  async list(): Promise<QuarantineRecord[]> {
    const keys = await this.store.keys(RECORD);
    const records: QuarantineRecord[] = [];
    for (const key of keys) {
      const r = await this.get(key.slice(RECORD.length));
      if (r) records.push(r);
    }
    return records.sort((a, b) =>
      a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : a.id.localeCompare(b.id),
    );
  }

  /** Live records are kept until released; released and failed ones for audit_retention_secs. */
  async save(record: QuarantineRecord): Promise<void> {
    await this.store.set(
      RECORD + record.id,
      JSON.stringify(record),
      isLive(record) ? undefined : this.cfg.audit_retention_secs * 1000,
    );
  }

  /** Claim the offender for quarantine `id`; false when another replica (or call) holds the claim. */
  async claim(offenderHash: string, id: string): Promise<boolean> {
    // The TTL is a backstop only (a replica that died between claim and record); records and expiry are the truth.
    return this.store.setIfAbsent(CLAIM + offenderHash, id, this.cfg.ttl_secs * 2000);
  }

  /** The quarantine id holding the offender's claim, if any. */
  async claimedBy(offenderHash: string): Promise<string | undefined> {
    return this.store.get(CLAIM + offenderHash);
  }

  /** Free the offender's claim, so a later incident may quarantine it again. */
  async unclaim(offenderHash: string): Promise<void> {
    await this.store.delete(CLAIM + offenderHash);
  }

  /** Free the offender's claim only when this record still holds it. */
  async unclaimFor(record: QuarantineRecord): Promise<void> {
    if ((await this.store.get(CLAIM + record.offenderHash)) === record.id)
      await this.store.delete(CLAIM + record.offenderHash);
  }

  /** The live (active or pending) quarantine of this offender, clearing a stale claim if there is one. */
  async activeFor(offenderHash: string): Promise<QuarantineRecord | undefined> {
    const id = await this.store.get(CLAIM + offenderHash);
    if (!id) return undefined;
    const record = await this.get(id);
    if (record && isLive(record) && record.offenderHash === offenderHash) return record;
    if (record) await this.store.delete(CLAIM + offenderHash); // released or failed: the claim is stale
    return undefined;
  }

  /** Claim the release of this record's revision: one replica releases and notifies, even when several expire it at once. */
  async claimRelease(record: QuarantineRecord, by: string): Promise<boolean> {
    return this.store.setIfAbsent(
      `${RELEASE}${record.id}:${record.revision}`,
      by,
      this.cfg.audit_retention_secs * 1000,
    );
  }

  /** Give the release back (the sink failed), so the next attempt may take it. */
  async unclaimRelease(record: QuarantineRecord): Promise<void> {
    await this.store.delete(`${RELEASE}${record.id}:${record.revision}`);
  }

  /** Count the live quarantines per mode into meshguard_quarantines_active. */
  async refreshGauge(): Promise<void> {
    const counts: Record<QuarantineMode, number> = { enforce: 0, 'dry-run': 0, 'pending-approval': 0 };
    for (const r of await this.list()) if (isLive(r)) counts[r.mode] = (counts[r.mode] ?? 0) + 1;
    for (const [mode, n] of Object.entries(counts)) this.metrics.quarantinesActive.set({ mode }, n);
  }
}
