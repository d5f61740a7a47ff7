/**
 * Least privilege in service mode: learn the call graph from live traffic for `learn_secs`, apply the
 * proposals in dry-run through the verifier, feed it every event (Istio's shadow verdicts), and check
 * the clean periods every `check_interval_secs`. The proxies' shadow and audit counters arrive as metric
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
import { ShadowMetricReader } from './shadow-metrics.js';
import type { LeastPrivilegeVerifier } from './verify.js';

export class LeastPrivilegeLoop {
  private graph: CallGraph | undefined = new CallGraph();
  private learningSinceMs: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
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

  get learning(): boolean {
    return this.graph !== undefined;
  }

  /** Propose once learning is over; then promote what is due. Never throws. */
  async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      const since = this.learningSinceMs;
      if (this.graph && since !== undefined && this.clock.nowMs() - since >= this.cfg.learn_secs * 1000) {
        const plan = buildAllowPolicies(this.graph.destinations(), {
          l7: this.cfg.l7,
          dryRun: true,
          protectedNamespaces: this.protectedNamespaces,
        });
        this.graph = undefined;
        const outcomes = await this.verifier.propose(plan.policies);
        this.logger.info(
          {
            proposed: outcomes.filter((o) => o.result === 'dry-run').length,
            refused: outcomes.filter((o) => o.result !== 'dry-run').length,
            callersLeftOut: plan.leftOut.length,
          },
          'Least-privilege policies applied in dry-run.',
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

  shutdown(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
