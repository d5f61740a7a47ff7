import { trace, type Span, type Tracer, type TracerProvider } from '@opentelemetry/api';
import { afterAll, describe, expect, it } from 'vitest';
import { ev, merge, principalOf, steady } from '../../helpers/events.js';
import { runEvents } from '../../helpers/pipeline.js';
import { enableTracing, tracingRequested } from '../../../pipelines/core/tracing.js';

/** A recording tracer provider: what an OpenTelemetry SDK would receive. */
function recordingProvider(names: string[], attributes: Array<Record<string, unknown>>): TracerProvider {
  const span = (): Span =>
    ({
      end: () => undefined,
      recordException: () => undefined,
      setStatus: () => span(),
      setAttribute: () => span(),
      spanContext: () => ({ traceId: '0'.repeat(32), spanId: '0'.repeat(16), traceFlags: 1 }),
    }) as unknown as Span;
  const tracer = {
    startSpan: () => span(),
    startActiveSpan: (
      name: string,
      opts: { attributes?: Record<string, unknown> },
      fn: (s: Span) => unknown,
    ) => {
      names.push(name);
      attributes.push(opts.attributes ?? {});
      return fn(span());
    },
  } as unknown as Tracer;
  return { getTracer: () => tracer };
}

describe('tracing', () => {
  afterAll(() => trace.disable());

  it('is asked for by any OTEL_* variable', () => {
    expect(tracingRequested({})).toBe(false);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(true);
  });

  it('emits a span per closed window and per incident when an SDK is registered', async () => {
    const names: string[] = [];
    const attributes: Array<Record<string, unknown>> = [];
    trace.setGlobalTracerProvider(recordingProvider(names, attributes));
    await enableTracing();
    const t0 = Date.parse('2026-11-02T10:00:00Z');
    const a = principalOf('shop', 'frontend');
    const attack = Array.from({ length: 80 }, (_, i) =>
      ev({
        src: a,
        dst: 'identity.identity.svc.cluster.local',
        timeMs: t0 + 600_000 + i * 200,
        path: '/login',
        status: 401,
      }),
    );
    const { incidents } = await runEvents(
      merge(steady(a, ['orders.shop.svc.cluster.local'], t0, t0 + 660_000, 5), attack),
    );
    expect(incidents).toHaveLength(1);
    expect(names.filter((n) => n === 'meshguard.window').length).toBeGreaterThan(50);
    const incidentSpans = attributes.filter((x) => x['meshguard.incident.id'] !== undefined);
    expect(incidentSpans).toEqual([
      { 'meshguard.incident.id': incidents[0]!.id, 'meshguard.incident.kind': 'unauthorized_access' },
    ]);
  });
});
