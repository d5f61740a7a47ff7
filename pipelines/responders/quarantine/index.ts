/**
 * The quarantine responder (see README.md): `factory` builds a QuarantineManager from the `quarantine:`
 * section. Its sinks (gitops, kubernetes, none) are options of this one component, not components.
 */
import type { ComponentSettings, Factory } from '../../core/component.js';
import { DEFAULT_ADMIN_URL } from '../alerts/config.js';
import { QuarantineConfig } from './config.js';
import { QuarantineManager } from './manager.js';
import { createSink } from './sinks/index.js';
import type { Protection } from './protection.js';
import type { PolicySink } from './sinks/sink.js';
import type { CallerDirectory } from './mesh/callers.js';
import type { BaselineGraph } from './containment.js';

/** What the quarantine responder needs beyond the common settings; every field has a default. */
export interface QuarantineSettings extends ComponentSettings {
  /** Base URL of the admin API for undo instructions (alerts.admin_url; default http://localhost:8080). */
  adminUrl?: string;
  /** Trust domain for principals built from namespace + service account (config trust_domain; default cluster.local). */
  trustDomain?: string;
  /** Replace the configured sink (tests, or a caller that already has a KubeConfig). */
  sink?: PolicySink;
  /** Wait between sink retries; injectable so tests do not sleep. */
  sleep?: (ms: number) => Promise<void>;
  /** Live processes: start() releases expired quarantines on this wall-time tick (QuarantineManagerOptions). */
  expiryIntervalMs?: number;
  /** meshguard's own dependencies and the address → pod lookup (protection.ts). */
  protection?: Protection;
  /** The learned call graph: who legitimately calls a destination (Linkerd quarantines authorize them). */
  callers?: CallerDirectory;
  /** The learned call graph: medium offenders are contained to their edges in it (graduated containment). */
  baseline?: BaselineGraph;
}

/** The quarantine responder's factory: its instance is the QuarantineManager. */
export interface QuarantineFactory extends Factory<'responder', typeof QuarantineConfig, QuarantineManager> {
  create(config: QuarantineConfig, settings: QuarantineSettings): QuarantineManager;
}

export const factory: QuarantineFactory = {
  kind: 'responder',
  type: 'quarantine',
  configSchema: QuarantineConfig,
  create(config, settings) {
    return new QuarantineManager({
      cfg: config,
      settings,
      sink: settings.sink ?? createSink(config, settings),
      adminUrl: settings.adminUrl ?? DEFAULT_ADMIN_URL,
      trustDomain: settings.trustDomain,
      sleep: settings.sleep,
      expiryIntervalMs: settings.expiryIntervalMs,
      protection: settings.protection,
      callers: settings.callers,
      baseline: settings.baseline,
    });
  },
};

export { QuarantineConfig } from './config.js';
export {
  dependencyProtection,
  type AddressOwner,
  type AddressOwnerLookup,
  type Protection,
} from './protection.js';
export { QuarantineManager, type QuarantineManagerOptions } from './manager.js';
export type { ReleaseListener } from './enforcement.js';
export {
  QuarantineError,
  type QuarantineRecord,
  type QuarantineState,
  type QuarantineErrorCode,
} from './record.js';
export type { AuditEntry, AuditAction } from './audit-trail.js';
export type { BaselineGraph } from './containment.js';
export type { AuthorizationPolicyManifest, NetworkPolicyManifest } from './policy.js';
export { writerFor, ObservedCallGraph } from './mesh/index.js';
export type {
  CallerDirectory,
  CallerIdentity,
  WorkloadRef,
  MeshName,
  MeshResource,
  MeshPolicyWriter,
} from './mesh/index.js';
export { ConsulSink, type ConsulSinkOptions } from './sinks/consul.js';
export type { PolicySink, SinkName } from './sinks/sink.js';
export { createSink } from './sinks/index.js';
export { GitOpsSink } from './sinks/gitops.js';
export { KubernetesSink, type KubernetesSinkOptions } from './sinks/kubernetes.js';
export { NoneSink } from './sinks/none.js';
