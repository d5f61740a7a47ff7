/**
 * Verification before enforcement (service mode): the least-privilege proposals of the configured mesh
 * (proposal.ts) are put in their verification form through quarantine's policy sink (Istio's
 * `istio.io/dry-run`, Linkerd's `accessPolicy: audit`; Consul has no dry-run, so its intentions are
 * evaluated in-process against the calls meshguard sees and written only on promotion). Would-be denials
 * are counted per proposal, and a proposal is promoted to enforce only after `clean_period_secs` with
 * none. Same guardrails as quarantine: protected namespaces are never tightened, promotion waits for a
 * person when `require_approval`, every step goes to the quarantine audit trail with its undo, and
 * release deletes the objects. The state is kept in the state store (verifier-store.ts): a restart
 * resumes each clean period and never promotes or re-applies twice.
 *
 * Would-be denials: Istio's shadow verdicts in the access logs (event.rbacShadowAllow), the proxies'
 * counters (observeShadowDenials: Envoy's RBAC shadow stats, Linkerd's audit mode), and for Consul the
 * proposed intentions evaluated against each inbound call.
 *
 * Any would-be denial restarts the clean period: meshguard cannot tell a legitimate rare caller from an
 * attacker in dry-run, so a person reads the caller (coverage API) and re-proposes or releases.
 */
import type { Logger } from 'pino';
import type { Clock } from '../../core/clock.js';
import type { MeshEvent } from '../../core/event.js';
import type { Metrics } from '../../core/metrics.js';
import type { StateStore } from '../../core/state-store.js';
import { workloadFromLabels } from '../../parse/kubernetes.js';
import type { AuditTrail } from '../quarantine/audit-trail.js';
import type { QuarantineConfig } from '../quarantine/config.js';
import { protectedNamespaces } from '../quarantine/guardrails.js';
import type { MeshResource } from '../quarantine/mesh/resource.js';
import type { PolicySink } from '../quarantine/sinks/sink.js';
import { ApplyError, applyForEnforcement, applyForVerification, removeFromCluster } from './apply.js';
import type { LeastPrivilegeConfig } from './config.js';
import type { CoverageReport, CoverageSource, PolicyCoverage, PolicyState } from './coverage.js';
import {
  consulWouldDeny,
  demoteUndo,
  dryRunObjects,
  proposalErrors,
  releaseUndo,
  selectsPod,
  type Proposal,
} from './proposal.js';
import type { ShadowDenials } from './shadow-metrics.js';
import { VerifierStore, type TrackedRecord } from './verifier-store.js';

/** Destinations without a policy remembered for the coverage report (bounded: attacker-chosen labels). */
const MAX_UNCOVERED = 10_000;

export interface VerifierOptions {
  cfg: LeastPrivilegeConfig;
  /** Quarantine's config: its protected namespaces (and meshguard's own) are never tightened. */
  quarantine: Pick<QuarantineConfig, 'own_namespace' | 'protected_namespaces'>;
  sink: PolicySink;
  audit: AuditTrail;
  /** Where the verifier's state outlives the process (Redis in production). */
  state: StateStore;
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

/** One proposal being verified or enforced (persisted as is). */
interface Tracked extends TrackedRecord {
  proposal: Proposal;
}

const keyOf = (namespace: string, name: string): string => `${namespace}/${name}`;
const iso = (ms: number): string => new Date(ms).toISOString();

/** Prometheus' spelling of a label name it copied from a pod (`app.kubernetes.io/name` → `app_kubernetes_io_name`). */
const promLabel = (k: string): string => k.replace(/[^a-zA-Z0-9_]/g, '_');

/**
 * Whether a scraped series is about a pod the proposal selects: by the selector labels the scrape kept
 * (a scrape may drop some; matching too much only delays a promotion), else by the workload the proposal
 * was learned for.
 */
function selectsScraped(p: Proposal, d: ShadowDenials): boolean {
  const kept = Object.entries(p.selector).filter(([k]) => d.labels[promLabel(k)] !== undefined);
  if (kept.length > 0) return kept.every(([k, v]) => d.labels[promLabel(k)] === v);
  return d.workload !== '' && p.workload === d.workload;
}

const VERIFYING: Record<Proposal['mesh'], string> = {
  istio: 'applied in dry-run',
  linkerd: 'applied in audit mode (accessPolicy: audit)',
  consul:
    'evaluated by meshguard against live traffic (Consul intentions have no dry-run: nothing is written until promotion)',
};

export class LeastPrivilegeVerifier implements CoverageSource {
  private readonly tracked = new Map<string, Tracked>();
  private readonly byNamespace = new Map<string, Tracked[]>();
  private readonly uncoveredSeen = new Set<string>();
  private readonly protectedNs: Set<string>;
  private readonly persisted: VerifierStore;
  private restoredAt = false;

  constructor(private readonly opts: VerifierOptions) {
    this.protectedNs = protectedNamespaces(opts.quarantine as QuarantineConfig);
    this.persisted = new VerifierStore(opts.state, opts.logger);
  }

  /**
   * Load what an earlier process tracked (nothing is applied again, nothing audited again). False while
   * the state store cannot be read: the loop must not propose before this succeeds, or it would put
   * enforced policies back in dry-run.
   */
  async restore(): Promise<boolean> {
    if (this.restoredAt) return true;
    if (!this.persisted.readable()) return false;
    // What the store holds is applied again on promotion: it passes the checks of a new proposal.
    const { records, invalid } = await this.persisted.load((p) =>
      this.protectedNs.has(p.namespace) ? ['protected namespace'] : proposalErrors(p),
    );
    for (const r of records)
      if (!this.tracked.has(keyOf(r.proposal.namespace, r.proposal.name))) this.track(r as Tracked);
    this.restoredAt = true;
    this.opts.logger.info(
      { restored: records.length, invalid },
      'Least-privilege verification state restored.',
    );
    this.refreshGauges();
    return true;
  }

  /** When the learned proposals were applied by an earlier process (undefined: never). */
  proposedAt(): Promise<string | undefined> {
    return this.persisted.proposedAt();
  }

  markProposed(): Promise<void> {
    return this.persisted.markProposed(iso(this.opts.clock.nowMs()));
  }

  /** Write what is still queued (shutdown). */
  flush(): Promise<void> {
    return this.persisted.flush();
  }

  /** Put proposals in verification. A proposal for one already tracked restarts its verification. */
  async propose(proposals: readonly Proposal[], actor = 'meshguard'): Promise<ProposalOutcome[]> {
    const out: ProposalOutcome[] = [];
    for (const proposal of proposals) {
      const { name, namespace } = proposal;
      const refused = (reason: string): void => {
        out.push({ policy: name, namespace, result: 'refused', reason });
      };
      if (this.protectedNs.has(namespace)) {
        refused(`namespace "${namespace}" is protected (never tightened)`);
        continue;
      }
      const errors = proposalErrors(proposal);
      if (errors.length > 0) {
        refused(`invalid policy: ${errors.join('; ')}`);
        continue;
      }
      try {
        await applyForVerification(this.opts.sink, proposal);
      } catch (error) {
        const reason = (error as Error).message;
        out.push({ policy: name, namespace, result: 'failed', reason });
        await this.audit(
          actor,
          'error',
          `least privilege: could not put ${namespace}/${name} in verification: ${reason}`,
          proposal,
        );
        continue;
      }
      const now = this.opts.clock.nowMs();
      const t: Tracked = { proposal, state: 'dry_run', wouldDeny: 0, appliedAtMs: now, cleanSinceMs: now };
      this.track(t);
      await this.persisted.save(t);
      out.push({ policy: name, namespace, result: 'dry-run' });
      await this.audit(
        actor,
        'least-privilege-dry-run',
        `least privilege (${proposal.mesh}): ${namespace}/${name} ${VERIFYING[proposal.mesh]}; enforced after ${this.opts.cfg.clean_period_secs}s without a would-be denial`,
        proposal,
      );
    }
    this.refreshGauges();
    return out;
  }

  /** Count the would-be denials an event shows at the receiving workload; note destinations nothing covers. */
  observe(ev: MeshEvent): void {
    if (ev.direction !== 'inbound' || !ev.dstNamespace || this.protectedNs.has(ev.dstNamespace)) return;
    const t = this.byNamespace.get(ev.dstNamespace)?.find((c) => selectsPod(c.proposal, ev.podLabels));
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
    const denied =
      t.proposal.mesh === 'consul'
        ? consulWouldDeny(t.proposal, ev) === true
        : ev.rbacShadowAllow === 'denied';
    if (denied) this.countWouldDeny(t, 1);
  }

  /**
   * Would-be denials the proxies counted in their metrics (shadow-metrics.ts): Envoy's RBAC shadow stats
   * or Linkerd's audit mode, at a pod a proposal in verification selects.
   */
  observeShadowDenials(d: ShadowDenials): void {
    if (this.protectedNs.has(d.namespace)) return;
    const t = this.byNamespace
      .get(d.namespace)
      ?.find((c) => c.proposal.mesh !== 'consul' && selectsScraped(c.proposal, d));
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
    this.persisted.saveSoon(t);
    this.opts.metrics.leastPrivilegeWouldDeny.inc(
      { policy: keyOf(t.proposal.namespace, t.proposal.name) },
      n,
    );
  }

  /** Promote (or ask approval for) every proposal in verification whose clean period has passed. */
  async promoteDue(): Promise<void> {
    await this.persisted.flush();
    const now = this.opts.clock.nowMs();
    const periodMs = this.opts.cfg.clean_period_secs * 1000;
    for (const t of this.tracked.values()) {
      if (t.state !== 'dry_run' || now - t.cleanSinceMs < periodMs) continue;
      const { namespace, name } = t.proposal;
      if (this.opts.cfg.require_approval) {
        t.state = 'pending_approval';
        await this.persisted.save(t);
        await this.audit(
          'meshguard',
          'least-privilege-pending-approval',
          `least privilege: ${namespace}/${name} clean for ${this.opts.cfg.clean_period_secs}s (${t.wouldDeny} would-be denials in all); waiting for approval to enforce`,
          t.proposal,
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

  /** Delete the proposal's objects (verification or enforced): the workload goes back to the mesh's default. */
  async release(namespace: string, name: string, actor: string, reason: string): Promise<void> {
    const t = this.get(namespace, name);
    await removeFromCluster(this.opts.sink, t.proposal, t.state === 'enforced').catch((error: unknown) => {
      throw asVerifierError(error);
    });
    this.tracked.delete(keyOf(namespace, name));
    const list = this.byNamespace.get(namespace) ?? [];
    this.byNamespace.set(
      namespace,
      list.filter((c) => c !== t),
    );
    await this.persisted.remove(namespace, name);
    await this.audit(
      actor,
      'least-privilege-release',
      `least privilege: ${namespace}/${name} released (${reason})`,
      t.proposal,
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
    const { namespace, name } = t.proposal;
    await applyForEnforcement(this.opts.sink, t.proposal).catch((error: unknown) => {
      throw asVerifierError(error);
    });
    t.state = 'enforced';
    t.promotedAtMs = this.opts.clock.nowMs();
    await this.persisted.save(t);
    await this.audit(
      actor,
      'least-privilege-promote',
      `least privilege (${t.proposal.mesh}): ${namespace}/${name} enforced after ${Math.round((t.promotedAtMs - t.cleanSinceMs) / 1000)}s without a would-be denial`,
      t.proposal,
      demoteUndo(t.proposal),
    );
  }

  private track(t: Tracked): void {
    const { namespace, name, workload } = t.proposal;
    const key = keyOf(namespace, name);
    const old = this.tracked.get(key);
    this.tracked.set(key, t);
    const list = (this.byNamespace.get(namespace) ?? []).filter((c) => c !== old);
    list.push(t);
    this.byNamespace.set(namespace, list);
    if (workload) this.uncoveredSeen.delete(`${namespace}/${workload}`);
  }

  private get(namespace: string, name: string): Tracked {
    const t = this.tracked.get(keyOf(namespace, name));
    if (!t) throw new LeastPrivilegeError('not_found', `no least-privilege policy ${namespace}/${name}`);
    return t;
  }

  private describe(t: Tracked): PolicyCoverage {
    const { namespace, name, workload, mesh } = t.proposal;
    return {
      namespace,
      policy: name,
      workload,
      mesh,
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
    p: Proposal,
    undo?: string,
  ): Promise<void> {
    const policies: MeshResource[] = p.mesh === 'consul' ? p.objects : dryRunObjects(p);
    return this.opts.audit.write({ actor, action, reason, policies, undo: undo ?? releaseUndo(p) });
  }
}

function asVerifierError(error: unknown): Error {
  return error instanceof ApplyError ? new LeastPrivilegeError(error.code, error.message) : (error as Error);
}
