/** The parts of one quarantine responder, built by QuarantineManager and shared by decide and the operator actions. */
import type { Logger } from 'pino';
import type { Clock } from '../../core/clock.js';
import type { Metrics } from '../../core/metrics.js';
import type { AuditTrail } from './audit-trail.js';
import type { QuarantineConfig } from './config.js';
import type { QuarantineEnforcer } from './enforcement.js';
import type { BlastRadiusCap } from './guardrails.js';
import type { QuarantineLedger } from './ledger.js';
import type { Protection } from './protection.js';
import type { BaselineGraph } from './containment.js';

export interface QuarantineContext {
  cfg: QuarantineConfig;
  /** Trust domain for principals built from namespace + service account. */
  trustDomain: string;
  clock: Clock;
  metrics: Metrics;
  logger: Logger;
  ledger: QuarantineLedger;
  audit: AuditTrail;
  cap: BlastRadiusCap;
  enforcer: QuarantineEnforcer;
  /** Protected dependencies and the address → pod lookup (protection.ts). */
  protection: Protection;
  /** Base URL of the admin API, used in undo instructions. */
  adminUrl: string;
  /** The learned call graph: a medium offender is contained to its edges in it (containment.ts). */
  baseline?: BaselineGraph;
  /** Wait while another replica writes the record it claimed; injectable so tests do not sleep. */
  sleep: (ms: number) => Promise<void>;
}
