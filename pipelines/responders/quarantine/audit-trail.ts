/**
 * The audit trail: who did what to which quarantine, why, and how to undo it. One entry per key in the
 * StateStore (`quarantine-audit:<ms>:<seq>:<rand>`, time-ordered by key, kept audit_retention_secs), and
 * optionally one JSON line per entry in audit_log_file.
 */
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../../core/clock.js';
import type { QuarantineMode, WorkloadIdentity } from '../../core/incident.js';
import type { StateStore } from '../../core/state-store.js';
import type { QuarantineConfig } from './config.js';
import type { MeshResource } from './mesh/resource.js';
import type { QuarantineRecord } from './record.js';

const AUDIT = 'quarantine-audit:';

export type AuditAction =
  | 'quarantine'
  | 'pending-approval'
  | 'approve'
  | 'extend'
  | 'release'
  | 'expire'
  | 'manual-quarantine'
  | 'skip'
  | 'error'
  | 'least-privilege-dry-run'
  | 'least-privilege-pending-approval'
  | 'least-privilege-promote'
  | 'least-privilege-release';

export interface AuditEntry {
  at: string;
  /** Who or what acted: `meshguard` (automatic), `ttl`, or the admin API caller. */
  actor: string;
  action: AuditAction;
  reason: string;
  quarantineId?: string;
  incidentId?: string;
  offender?: WorkloadIdentity;
  mode?: QuarantineMode;
  policies?: MeshResource[];
  undo?: string;
}

/** An entry about one quarantine record: its id, incident, offender, mode, policies and undo. */
export function entryOf(
  record: QuarantineRecord,
  actor: string,
  action: AuditAction,
  reason: string,
): Omit<AuditEntry, 'at'> {
  return {
    actor,
    action,
    reason,
    quarantineId: record.id,
    incidentId: record.incident.id,
    offender: record.offender,
    mode: record.mode,
    policies: record.policies,
    undo: record.undo,
  };
}

export class AuditTrail {
  private seq = 0;

  constructor(
    private readonly cfg: Pick<QuarantineConfig, 'audit_retention_secs' | 'audit_log_file'>,
    private readonly store: StateStore,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /** Record one entry, stamped with the injected clock. Never throws: a lost entry is logged. */
  async write(entry: Omit<AuditEntry, 'at'>): Promise<void> {
    const now = this.clock.nowMs();
    const full: AuditEntry = { at: new Date(now).toISOString(), ...entry };
    const line = JSON.stringify(full);
    // Keys sort by time, then by a per-process sequence and a random suffix so replicas never collide.
    const key = `${AUDIT}${String(now).padStart(15, '0')}:${String(this.seq++).padStart(9, '0')}:${randomBytes(3).toString('hex')}`;
    try {
      await this.store.set(key, line, this.cfg.audit_retention_secs * 1000);
    } catch (error) {
      this.logger.error({ error: (error as Error).message }, 'Could not store an audit entry.');
    }
    if (this.cfg.audit_log_file) {
      try {
        await mkdir(dirname(this.cfg.audit_log_file), { recursive: true });
        await appendFile(this.cfg.audit_log_file, line + '\n');
      } catch (error) {
        this.logger.error(
          { error: (error as Error).message, file: this.cfg.audit_log_file },
          'Could not append to the audit log file.',
        );
      }
    }
  }

  /** The whole trail still kept, oldest first. */
  async read(): Promise<AuditEntry[]> {
    const keys = (await this.store.keys(AUDIT)).sort();
    const out: AuditEntry[] = [];
    for (const key of keys) {
      const text = await this.store.get(key);
      if (!text) continue;
      try {
        out.push(JSON.parse(text) as AuditEntry);
      } catch {
        // A corrupt entry is skipped, not fatal to the rest of the trail.
      }
    }
    return out;
  }
}
