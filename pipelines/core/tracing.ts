/**
 * Tracing through the pipeline with the OpenTelemetry API: a no-op unless the process registers an SDK
 * (e.g. with `node --import @opentelemetry/auto-instrumentations-node/register`), so it costs nothing by default.
 */
import { SpanStatusCode, trace, type Span } from '@opentelemetry/api';

export const tracer = trace.getTracer('meshguard', '0.1.0');

/** Run `fn` inside a span; errors are recorded on the span and rethrown. */
export function inSpan<T>(
  name: string,
  attributes: Record<string, string | number>,
  fn: (span: Span) => T,
): T {
  return tracer.startActiveSpan(name, { attributes }, (span) => {
    try {
      const result = fn(span);
      if (result instanceof Promise) {
        return result
          .catch((error: unknown) => {
            span.recordException(error as Error);
            span.setStatus({ code: SpanStatusCode.ERROR });
            throw error;
          })
          .finally(() => span.end()) as T;
      }
      span.end();
      return result;
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
      throw error;
    }
  });
}
