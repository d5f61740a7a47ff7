/**
 * The simulator as a live Source: every `tick_ms` of the injected clock, the traffic simulated since the
 * last tick is handed on as records of `topic`, one hand-off at a time (a slow handler delays the next).
 */
import type { Clock } from '../../core/clock.js';
import type { ComponentSettings } from '../../core/component.js';
import type { InRecord } from '../bus/types.js';
import type { RecordHandler, Source } from '../source.js';
import type { SimulatorConfig } from './config.js';
import { MeshSimulator } from './simulator.js';

export class SimulatorSource implements Source {
  private handler: RecordHandler | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private simulator: MeshSimulator | undefined;
  private lastMs = 0;
  private offset = 0;
  private stopped = false;
  private readonly clock: Clock;

  constructor(
    private readonly config: SimulatorConfig,
    settings: Pick<ComponentSettings, 'clock'>,
  ) {
    this.clock = settings.clock;
  }

  /** The simulator behind the source (schedule scenarios on it, read its ground truth). */
  get sim(): MeshSimulator {
    this.simulator ??= new MeshSimulator({
      seed: this.config.seed,
      startMs: this.clock.nowMs(),
      services: this.config.services,
      ratePerSec: this.config.rate_per_sec,
      identity: this.config.identity,
      bothSidecars: this.config.both_sidecars,
    });
    return this.simulator;
  }

  attach(handler: RecordHandler): void {
    this.handler = handler;
  }

  async start(): Promise<void> {
    if (this.timer || this.stopped) return;
    this.lastMs = this.clock.nowMs();
    void this.sim;
    this.timer = setInterval(() => {
      this.running = this.running.then(() => this.tick());
    }, this.config.tick_ms);
    this.timer.unref();
  }

  healthy(): boolean {
    return !this.stopped;
  }

  /** Stop the ticks and wait for the hand-off in progress. Idempotent, safe without start(). */
  async shutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private async tick(): Promise<void> {
    const handler = this.handler;
    if (this.stopped || !handler) return;
    const now = this.clock.nowMs();
    const records: InRecord[] = [];
    this.sim.generate(this.lastMs, now, (record) =>
      records.push({
        topic: this.config.topic,
        partition: 0,
        offset: String(this.offset++),
        key: null,
        value: JSON.stringify(record),
      }),
    );
    this.lastMs = now;
    if (records.length === 0) return;
    await handler.handle(records);
    await handler.afterCommit();
  }
}
