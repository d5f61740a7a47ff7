/**
 * Automated quarantine with guardrails. Build one with createQuarantineManager(); see README.md.
 */
import type { ComponentSettings } from '../../core/component.js';
import type { QuarantineConfig } from './config.js';
import { QuarantineManager } from './manager.js';
import { GitOpsSink } from './sinks/gitops.js';
import { KubernetesSink } from './sinks/kubernetes.js';
import { NoneSink } from './sinks/none.js';
import type { PolicySink } from './sinks/sink.js';

export type { QuarantineConfig } from './config.js';
export {
  QuarantineManager,
  QuarantineError,
  type QuarantineRecord,
  type QuarantineState,
  type QuarantineMode,
  type AuditEntry,
  type AuditAction,
  type QuarantineErrorCode,
  type QuarantineManagerOptions,
} from './manager.js';
export {
  buildQuarantinePlan,
  describeOffender,
  protectedReason,
  protectedNamespaces,
  quarantineName,
  targetNamespacesOf,
  toPolicyPrincipal,
  undoCommand,
  type AuthorizationPolicyManifest,
  type NetworkPolicyManifest,
  type Offender,
  type PlanInput,
  type QuarantinePlan,
} from './policy.js';
export { validatePolicy, invariantErrors, schemaValidationAvailable } from './validate.js';
export type { PolicySink, SinkName } from './sinks/sink.js';
export { GitOpsSink } from './sinks/gitops.js';
export {
  KubernetesSink,
  classifyKubernetesError,
  loadKubeConfig,
  loadClientModule,
  FIELD_MANAGER,
  type KubernetesSinkOptions,
} from './sinks/kubernetes.js';
export { NoneSink } from './sinks/none.js';

export interface CreateQuarantineOptions {
  /** Base URL of the admin API for undo instructions (alerts.admin_url). */
  adminUrl: string;
  /** Trust domain for principals built from namespace + service account (config trust_domain). */
  trustDomain?: string;
  /** Replace the configured sink (tests, or a caller that already has a KubeConfig). */
  sink?: PolicySink;
  sleep?: (ms: number) => Promise<void>;
}

/** The sink named by quarantine.sink. The kubernetes client and kubeconfig load on first use (see sinks/kubernetes.ts). */
export function createSink(cfg: QuarantineConfig, settings: ComponentSettings): PolicySink {
  switch (cfg.sink) {
    case 'gitops':
      return new GitOpsSink(cfg.policies_dir);
    case 'kubernetes':
      return new KubernetesSink({ kubeconfigPath: cfg.kubeconfig, metrics: settings.metrics });
    case 'none':
      return new NoneSink();
  }
}

export function createQuarantineManager(
  cfg: QuarantineConfig,
  settings: ComponentSettings,
  opts: CreateQuarantineOptions,
): QuarantineManager {
  return new QuarantineManager({
    cfg,
    settings,
    sink: opts.sink ?? createSink(cfg, settings),
    adminUrl: opts.adminUrl,
    trustDomain: opts.trustDomain,
    sleep: opts.sleep,
  });
}
