/** The embedded bus as a Source: one subscription over the scorer's topics, acknowledged per hand-off. */
import type { RecordHandler, Source } from '../source.js';
import type { BusConfig } from './config.js';
import type { EmbeddedBus } from './embedded-bus.js';

export class BusSource implements Source {
  constructor(
    /** Also the producer of this process (ingest and the scorer's dead letters send to it). */
    readonly bus: EmbeddedBus,
    private readonly config: BusConfig,
  ) {}

  attach(handler: RecordHandler): void {
    // The bus has no offsets to commit: a hand-off is acknowledged as soon as the handler resolved.
    this.bus.subscribe(
      this.config.topics,
      async (records) => {
        await handler.handle(records);
        await handler.afterCommit();
      },
      { maxBatch: this.config.max_batch_events },
    );
  }

  /** Delivery starts with the first send: nothing to connect. */
  async start(): Promise<void> {}

  healthy(): boolean {
    return this.bus.ready();
  }

  /** Refuse new records, deliver what is queued. Idempotent. */
  shutdown(): Promise<void> {
    return this.bus.shutdown();
  }
}
