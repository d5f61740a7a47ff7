/**
 * Least privilege in service mode: learn the call graph from live traffic for `learn_secs`, put the
 * proposals of the configured mesh in verification through the verifier, feed it every event (Istio's
 * shadow verdicts; Consul's calls, judged in-process), and check the clean periods every
 * `check_interval_secs`. Before anything else the verifier's state is restored from the state store: a
 * restarted process resumes verification and does not learn and propose again. The proxies' shadow and audit counters arrive as metric
 * samples (onMetricSample). After enforcement, calls the policies refuse become
 * findings (denials.ts) handed to onDenial. Time is the injected clock (wall time in serve).
 */
import type { Logger } from 'pino';
import type { Clock } from '../../core/clock.js';
import type { MeshEvent } from '../../core/event.js';
import type { MetricSample } from '../../metrics/sample.js';
import { CallGraph } from '../../features/call-graph.js';
import type { LeastPrivilegeConfig } from './config.js';
import { DenialTracker, type DenialFinding } from './denials.js';
import { buildAllowPolicies } from './istio.js';
import { buildConsulIntentions, buildLinkerdObjects } from './other-meshes.js';
import { groupProposal, istioProposal, type Proposal, type VerifiedMesh } from './proposal.js';
import { ShadowMetricReader } from './shadow-metrics.js';
import type { LeastPrivilegeVerifier } from './verify.js';

export class LeastPrivilegeLoop {
  private graph: CallGraph | undefined = new CallGraph();
  private learningSinceMs: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  private restored = false;
  private readonly denials = new DenialTracker();
  private readonly shadowMetrics = new ShadowMetricReader();
  /** Called with each denied-caller finding (lateral movement or new dependency) after enforcement. */
  onDenial: ((finding: DenialFinding) => void) | undefined;

  constructor(
    readonly verifier: LeastPrivilegeVerifier,
    private readonly cfg: LeastPrivilegeConfig,
    private readonly protectedNamespaces: readonly string[],
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly mesh: VerifiedMesh = 'istio',
  ) {}

  /** Every parsed event: learned while learning, then its shadow verdict counted. */
  onEvent(ev: MeshEvent): void {
    if (this.graph) {
      this.learningSinceMs ??= this.clock.nowMs();
      this.graph.observe(ev);
    }
    this.verifier.observe(ev);
    const finding = this.denials.observe(ev);
    if (finding) this.onDenial?.(finding);
  }

  /** Every mesh metric sample: the proxies' shadow (Istio) and audit (Linkerd) counts of would-be denials. */
  onMetricSample(sample: MetricSample): void {
    const denials = this.shadowMetrics.read(sample);
    if (denials) this.verifier.observeShadowDenials(denials);
  }

  /** A mesh least privilege cannot write for: never learn or propose (coverage still reports). */
  disableProposals(): void {
    this.graph = undefined;
  }

  get learning(): boolean {
    return this.graph !== undefined;
  }

  /**
   * Restore the verifier's state; when an earlier process already proposed, stop learning. False while
   * the state store cannot be read (retried on every tick; nothing is proposed meanwhile).
   */
  async restore(): Promise<boolean> {
    if (this.restored) return true;
    if (!(await this.verifier.restore())) return false;
    const proposedAt = await this.verifier.proposedAt();
    if (proposedAt !== undefined) {
      this.graph = undefined;
      this.logger.info(
        { proposedAt },
        'Least-privilege proposals were applied by an earlier process; not learning again.',
      );
    }
    this.restored = true;
    return true;
  }

  /** The learned destinations as the configured mesh's proposals. */
  private proposals(graph: CallGraph): { proposals: Proposal[]; leftOut: number } {
    const opts = { dryRun: true, protectedNamespaces: this.protectedNamespaces };
    if (this.mesh === 'istio') {
      const plan = buildAllowPolicies(graph.destinations(), { ...opts, l7: this.cfg.l7 });
      return { proposals: plan.policies.map(istioProposal), leftOut: plan.leftOut.length };
    }
    const build = this.mesh === 'linkerd' ? buildLinkerdObjects : buildConsulIntentions;
    const plan = build(graph.destinations(), opts);
    for (const note of plan.notes) this.logger.warn({ mesh: this.mesh }, note);
    const mesh = this.mesh;
    return { proposals: plan.groups.map((g) => groupProposal(mesh, g)), leftOut: plan.leftOut.length };
  }

  /** Propose once learning is over; then promote what is due. Never throws. */
  async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      if (!(await this.restore())) {
        this.logger.warn('Least-privilege state store unreadable; verification waits for it.');
        return;
      }
      const since = this.learningSinceMs;
      if (this.graph && since !== undefined && this.clock.nowMs() - since >= this.cfg.learn_secs * 1000) {
        const plan = this.proposals(this.graph);
        this.graph = undefined;
        await this.verifier.markProposed();
        const outcomes = await this.verifier.propose(plan.proposals);
        this.logger.info(
          {
            proposed: outcomes.filter((o) => o.result === 'dry-run').length,
            refused: outcomes.filter((o) => o.result !== 'dry-run').length,
            callersLeftOut: plan.leftOut,
            mesh: this.mesh,
          },
          'Least-privilege proposals put in verification.',
        );
      }
      await this.verifier.promoteDue();
    } catch (error) {
      this.logger.error({ error: (error as Error).message }, 'Least-privilege check failed.');
    } finally {
      this.ticking = false;
    }
  }

  start(): void {
    this.timer ??= setInterval(() => void this.tick(), this.cfg.check_interval_secs * 1000);
    this.timer.unref();
  }

  /** Stop the timer and write the would-be denials still queued. */
  async shutdown(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.verifier.flush();
  }
}
