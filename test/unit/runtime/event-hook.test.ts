/**
 * The pipeline's per-event hook feeds the call graph and the least-privilege verifier: each event must
 * reach it exactly once, or every edge is counted twice and every would-be denial doubled.
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../config/validate.js';
import { EventClock } from '../../../pipelines/core/clock.js';
import { emptyEvent, type MeshEvent } from '../../../pipelines/core/event.js';
import { Metrics } from '../../../pipelines/core/metrics.js';
import { MemoryStateStore } from '../../../pipelines/core/state-store.js';
import { WINDOW_DETECTORS } from '../../../pipelines/registry/window-detectors.js';
import { createPipeline } from '../../../pipelines/runtime/pipeline.js';

const T0 = Date.parse('2024-05-01T10:00:00Z');

function call(i: number): MeshEvent {
  return {
    ...emptyEvent(),
    timeMs: T0 + i * 100,
    direction: 'inbound',
    src: 'spiffe://cluster.local/ns/shop/sa/frontend',
    srcPrincipal: 'spiffe://cluster.local/ns/shop/sa/frontend',
    srcNamespace: 'shop',
    srcServiceAccount: 'frontend',
    dst: 'orders.shop.svc.cluster.local',
    dstNamespace: 'shop',
    method: 'GET',
    path: `/api/orders/${i}`,
    status: 200,
    mtls: true,
  };
}

describe('the per-event hook', () => {
  it('sees each event once', async () => {
    const cfg = resolveConfig({
      log_level: 'silent',
      alerts: { channels: [] },
      quarantine: { sink: 'none' },
    });
    const seen: MeshEvent[] = [];
    const pipeline = createPipeline(
      cfg,
      {
        logger: pino({ level: 'silent' }),
        clock: new EventClock(),
        metrics: new Metrics(),
        state: new MemoryStateStore(),
      },
      async (incident) => incident,
      { detectors: WINDOW_DETECTORS, onEvent: (ev) => seen.push(ev) },
    );
    const events = Array.from({ length: 25 }, (_, i) => call(i));
    for (const ev of events) pipeline.push(ev);
    expect(seen).toHaveLength(events.length);
    expect(new Set(seen).size).toBe(events.length);
  });
});
