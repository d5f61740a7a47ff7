/**
 * Verification before enforcement (service mode): tighten's ALLOW proposals are applied in dry-run
 * through quarantine's policy sink, Istio's shadow verdicts in the access logs (event.rbacShadowAllow)
 * are counted per policy, and a policy is promoted to enforce (the `istio.io/dry-run` annotation removed)
 * only after `clean_period_secs` with no would-be denial. Same guardrails as quarantine: protected
 * namespaces are never tightened, promotion waits for a person when `require_approval`, every step goes
 * to the quarantine audit trail with its undo, and release deletes the policy.
 *
 * The sidecars' metrics count too (observeShadowDenials): Envoy's RBAC shadow stats and Linkerd's audit
 * mode, for workloads whose access log carries no verdict.
 *
 * Any would-be denial restarts the clean period: meshguard cannot tell a legitimate rare caller from an
 * attacker in dry-run, so a person reads the caller (coverage API) and re-proposes or releases.
 */
import type { Logger } from 'pino';
import type { Clock } from '../../core/clock.js';
import type { MeshEvent } from '../../core/event.js';
import type { Metrics } from '../../core/metrics.js';
import { workloadFromLabels } from '../../parse/kubernetes.js';
import type { AuditTrail } from '../quarantine/audit-trail.js';
import type { QuarantineConfig } from '../quarantine/config.js';
import { protectedNamespaces } from '../quarantine/guardrails.js';
import { DRY_RUN_ANNOTATION, type AuthorizationPolicyManifest } from '../quarantine/policy.js';
import type { PolicySink } from '../quarantine/sinks/sink.js';
import type { LeastPrivilegeConfig } from './config.js';
import type { CoverageReport, CoverageSource, PolicyCoverage, PolicyState } from './coverage.js';
import { WORKLOAD_LABEL, type AllowPolicyManifest } from './istio.js';
import type { ShadowDenials } from './shadow-metrics.js';
import { allowInvariantErrors } from './validate.js';

/** Destinations without a policy remembered for the coverage report (bounded: attacker-chosen labels). */
const MAX_UNCOVERED = 10_000;

export interface VerifierOptions {
  cfg: LeastPrivilegeConfig;
  /** Quarantine's config: its protected namespaces (and meshguard's own) are never tightened. */
  quarantine: Pick<QuarantineConfig, 'own_namespace' | 'protected_namespaces'>;
  sink: PolicySink;
  audit: AuditTrail;
  clock: Clock;
  metrics: Metrics;
  logger: Logger;
}

export type ProposalOutcome =
  | { policy: string; namespace: string; result: 'dry-run' }
  | { policy: string; namespace: string; result: 'refused' | 'failed'; reason: string };

export class LeastPrivilegeError extends Error {
  constructor(
    readonly code: 'not_found' | 'conflict' | 'sink_failed',
    message: string,
  ) {
    super(message);
  }
}

interface Tracked {
  policy: AllowPolicyManifest;
  state: PolicyState;
  wouldDeny: number;
  appliedAtMs: number;
  lastWouldDenyMs?: number;
  cleanSinceMs: number;
  promotedAtMs?: number;
}

const keyOf = (namespace: string, name: string): string => `${namespace}/${name}`;
const iso = (ms: number): string => new Date(ms).toISOString();

function withDryRun(policy: AllowPolicyManifest, dryRun: boolean): AllowPolicyManifest {
  const annotations = { ...policy.metadata.annotations };
  if (dryRun) annotations[DRY_RUN_ANNOTATION] = 'true';
  else delete annotations[DRY_RUN_ANNOTATION];
  return { ...policy, metadata: { ...policy.metadata, annotations } };
}

// The sinks write any AuthorizationPolicy object as given; their type names quarantine's DENY shape.
const asSinkPolicy = (p: AllowPolicyManifest): AuthorizationPolicyManifest =>
  p as unknown as AuthorizationPolicyManifest;

function selects(policy: AllowPolicyManifest, labels: Readonly<Record<string, string>>): boolean {
  for (const [k, v] of Object.entries(policy.spec.selector.matchLabels)) if (labels[k] !== v) return false;
  return true;
}

/** Prometheus' spelling of a label name it copied from a pod (`app.kubernetes.io/name` → `app_kubernetes_io_name`). */
const promLabel = (k: string): string => k.replace(/[^a-zA-Z0-9_]/g, '_');

/**
 * Whether a scraped series is about a pod the policy selects: by the selector labels the scrape kept
 * (a scrape may drop some; matching too much only delays a promotion), else by the workload the policy
 * was learned for.
 */
function selectsScraped(policy: AllowPolicyManifest, d: ShadowDenials): boolean {
  const kept = Object.entries(policy.spec.selector.matchLabels).filter(
    ([k]) => d.labels[promLabel(k)] !== undefined,
  );
  if (kept.length > 0) return kept.every(([k, v]) => d.labels[promLabel(k)] === v);
  return d.workload !== '' && policy.metadata.labels[WORKLOAD_LABEL] === d.workload;
}

export class LeastPrivilegeVerifier implements CoverageSource {
  private readonly tracked = new Map<string, Tracked>();
  private readonly byNamespace = new Map<string, Tracked[]>();
  private readonly uncoveredSeen = new Set<string>();
  private readonly protectedNs: Set<string>;

  constructor(private readonly opts: VerifierOptions) {
    this.protectedNs = protectedNamespaces(opts.quarantine as QuarantineConfig);
  }

  /** Apply proposals in dry-run. A proposal for a policy already tracked restarts its verification. */
  async propose(policies: readonly AllowPolicyManifest[], actor = 'meshguard'): Promise<ProposalOutcome[]> {
    const out: ProposalOutcome[] = [];
    for (const proposal of policies) {
      const { name, namespace } = proposal.metadata;
      const refused = (reason: string): void => {
        out.push({ policy: name, namespace, result: 'refused', reason });
      };
      if (this.protectedNs.has(namespace)) {
        refused(`namespace "${namespace}" is protected (never tightened)`);
        continue;
      }
      const errors = allowInvariantErrors(proposal);
      if (errors.length > 0) {
        refused(`invalid policy: ${errors.join('; ')}`);
        continue;
      }
      const policy = withDryRun(proposal, true);
      const delivery = await this.opts.sink.apply(asSinkPolicy(policy));
      if (delivery.code !== 'ok') {
        const reason = `${this.opts.sink.name} sink: ${delivery.error.message}`;
        out.push({ policy: name, namespace, result: 'failed', reason });
        await this.audit(
          actor,
          'error',
          `least privilege: could not apply ${namespace}/${name} in dry-run: ${reason}`,
          policy,
        );
        continue;
      }
      const now = this.opts.clock.nowMs();
      this.track({ policy, state: 'dry_run', wouldDeny: 0, appliedAtMs: now, cleanSinceMs: now });
      out.push({ policy: name, namespace, result: 'dry-run' });
      await this.audit(
        actor,
        'least-privilege-dry-run',
        `least privilege: ${namespace}/${name} applied in dry-run; enforced after ${this.opts.cfg.clean_period_secs}s without a would-be denial`,
        policy,
      );
    }
    this.refreshGauges();
    return out;
  }

  /** Count Istio's shadow verdicts at the receiving workload; note destinations no policy covers. */
  observe(ev: MeshEvent): void {
    if (ev.direction !== 'inbound' || !ev.dstNamespace || this.protectedNs.has(ev.dstNamespace)) return;
    const t = this.byNamespace.get(ev.dstNamespace)?.find((c) => selects(c.policy, ev.podLabels));
    if (!t) {
      const workload = workloadFromLabels(ev.podLabels);
      if (workload && this.uncoveredSeen.size < MAX_UNCOVERED) {
        const key = `${ev.dstNamespace}/${workload}`;
        if (!this.uncoveredSeen.has(key)) {
          this.uncoveredSeen.add(key);
          this.refreshGauges();
        }
      }
      return;
    }
    if (ev.rbacShadowAllow === 'denied') this.countWouldDeny(t, 1);
  }

  /**
   * Would-be denials the proxies counted in their metrics (shadow-metrics.ts): Envoy's RBAC shadow stats
   * or Linkerd's audit mode, at a pod a dry-run policy selects.
   */
  observeShadowDenials(d: ShadowDenials): void {
    if (this.protectedNs.has(d.namespace)) return;
    const t = this.byNamespace.get(d.namespace)?.find((c) => selectsScraped(c.policy, d));
    if (t) this.countWouldDeny(t, d.count);
  }

  private countWouldDeny(t: Tracked, n: number): void {
    if (t.state === 'enforced') return;
    const now = this.opts.clock.nowMs();
    t.wouldDeny += n;
    t.lastWouldDenyMs = now;
    t.cleanSinceMs = now;
    // A policy waiting for approval that would now deny a call is no longer clean.
    if (t.state === 'pending_approval') t.state = 'dry_run';
    this.opts.metrics.leastPrivilegeWouldDeny.inc(
      { policy: keyOf(t.policy.metadata.namespace, t.policy.metadata.name) },
      n,
    );
  }

  /** Promote (or ask approval for) every dry-run policy whose clean period has passed. */
  async promoteDue(): Promise<void> {
    const now = this.opts.clock.nowMs();
    const periodMs = this.opts.cfg.clean_period_secs * 1000;
    for (const t of this.tracked.values()) {
      if (t.state !== 'dry_run' || now - t.cleanSinceMs < periodMs) continue;
      const { namespace, name } = t.policy.metadata;
      if (this.opts.cfg.require_approval) {
        t.state = 'pending_approval';
        await this.audit(
          'meshguard',
          'least-privilege-pending-approval',
          `least privilege: ${namespace}/${name} clean for ${this.opts.cfg.clean_period_secs}s (${t.wouldDeny} would-be denials in all); waiting for approval to enforce`,
          t.policy,
        );
      } else {
        await this.promote(t, 'meshguard').catch((error: unknown) => {
          this.opts.logger.warn(
            { policy: name, namespace, error: (error as Error).message },
            'Least-privilege promotion failed; retried on the next check.',
          );
        });
      }
    }
    this.refreshGauges();
  }

  /** A person approves a policy waiting for approval: it is enforced now. */
  async approve(namespace: string, name: string, actor: string): Promise<PolicyCoverage> {
    const t = this.get(namespace, name);
    if (t.state !== 'pending_approval')
      throw new LeastPrivilegeError('conflict', `${namespace}/${name} is ${t.state}, not pending_approval`);
    await this.promote(t, actor);
    this.refreshGauges();
    return this.describe(t);
  }

  /** Delete the policy (dry-run or enforced): the workload goes back to Istio's allow-all default. */
  async release(namespace: string, name: string, actor: string, reason: string): Promise<void> {
    const t = this.get(namespace, name);
    const delivery = await this.opts.sink.delete({
      apiVersion: 'security.istio.io/v1',
      kind: 'AuthorizationPolicy',
      namespace,
      name,
    });
    if (delivery.code !== 'ok')
      throw new LeastPrivilegeError('sink_failed', `${this.opts.sink.name} sink: ${delivery.error.message}`);
    this.tracked.delete(keyOf(namespace, name));
    const list = this.byNamespace.get(namespace) ?? [];
    this.byNamespace.set(
      namespace,
      list.filter((c) => c !== t),
    );
    await this.audit(
      actor,
      'least-privilege-release',
      `least privilege: ${namespace}/${name} released (${reason})`,
      t.policy,
    );
    this.refreshGauges();
  }

  coverage(): CoverageReport {
    const policies = [...this.tracked.values()].map((t) => this.describe(t));
    const workloads = new Set(policies.map((p) => `${p.namespace}/${p.workload}`));
    const uncovered = [...this.uncoveredSeen].filter((w) => !workloads.has(w)).sort();
    const count = (s: PolicyState): number => policies.filter((p) => p.state === s).length;
    return {
      destinations: {
        enforced: count('enforced'),
        dry_run: count('dry_run') + count('pending_approval'),
        uncovered: uncovered.length,
      },
      policies,
      uncovered,
    };
  }

  private async promote(t: Tracked, actor: string): Promise<void> {
    const enforced = withDryRun(t.policy, false);
    const { namespace, name } = enforced.metadata;
    const delivery = await this.opts.sink.apply(asSinkPolicy(enforced));
    if (delivery.code !== 'ok')
      throw new LeastPrivilegeError('sink_failed', `${this.opts.sink.name} sink: ${delivery.error.message}`);
    t.policy = enforced;
    t.state = 'enforced';
    t.promotedAtMs = this.opts.clock.nowMs();
    await this.audit(
      actor,
      'least-privilege-promote',
      `least privilege: ${namespace}/${name} enforced after ${Math.round((t.promotedAtMs - t.cleanSinceMs) / 1000)}s without a would-be denial`,
      enforced,
      `kubectl annotate authorizationpolicy -n ${namespace} ${name} ${DRY_RUN_ANNOTATION}=true --overwrite`,
    );
  }

  private track(t: Tracked): void {
    const { namespace, name } = t.policy.metadata;
    const key = keyOf(namespace, name);
    const old = this.tracked.get(key);
    this.tracked.set(key, t);
    const list = (this.byNamespace.get(namespace) ?? []).filter((c) => c !== old);
    list.push(t);
    this.byNamespace.set(namespace, list);
    const workload = t.policy.metadata.labels[WORKLOAD_LABEL];
    if (workload) this.uncoveredSeen.delete(`${namespace}/${workload}`);
  }

  private get(namespace: string, name: string): Tracked {
    const t = this.tracked.get(keyOf(namespace, name));
    if (!t) throw new LeastPrivilegeError('not_found', `no least-privilege policy ${namespace}/${name}`);
    return t;
  }

  private describe(t: Tracked): PolicyCoverage {
    const { namespace, name, labels } = t.policy.metadata;
    return {
      namespace,
      policy: name,
      workload: labels[WORKLOAD_LABEL] ?? '',
      state: t.state,
      wouldDeny: t.wouldDeny,
      appliedAt: iso(t.appliedAtMs),
      ...(t.lastWouldDenyMs !== undefined ? { lastWouldDenyAt: iso(t.lastWouldDenyMs) } : {}),
      cleanSince: iso(t.cleanSinceMs),
      ...(t.promotedAtMs !== undefined ? { promotedAt: iso(t.promotedAtMs) } : {}),
    };
  }

  private refreshGauges(): void {
    const { destinations } = this.coverage();
    for (const [state, n] of Object.entries(destinations))
      this.opts.metrics.leastPrivilegeDestinations.set({ state }, n);
  }

  private audit(
    actor: string,
    action: Parameters<AuditTrail['write']>[0]['action'],
    reason: string,
    policy: AllowPolicyManifest,
    undo?: string,
  ): Promise<void> {
    const { namespace, name } = policy.metadata;
    return this.opts.audit.write({
      actor,
      action,
      reason,
      policies: [asSinkPolicy(policy)],
      undo: undo ?? `kubectl delete authorizationpolicy -n ${namespace} ${name}`,
    });
  }
}
