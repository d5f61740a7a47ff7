/**
 * Tracing through the pipeline with the OpenTelemetry API: spans are no-ops unless the process registers
 * an SDK (e.g. `node --import @opentelemetry/auto-instrumentations-node/register`). The API itself (some
 * fifty modules) is loaded only by `enableTracing()`, which the long-running commands call and the batch
 * commands call when an `OTEL_*` variable says tracing is wanted, so a replay does not pay for it.
 */
import type { Tracer } from '@opentelemetry/api';

let tracer: Tracer | undefined;
let errorCode = 2; // SpanStatusCode.ERROR, read from the API once it is loaded

/** Load the OpenTelemetry API and trace from now on. Idempotent. */
export async function enableTracing(): Promise<void> {
  if (tracer) return;
  const api = await import('@opentelemetry/api');
  errorCode = api.SpanStatusCode.ERROR;
  tracer = api.trace.getTracer('meshguard', '0.1.0');
}

/** Whether the environment asks for traces (any OpenTelemetry SDK variable is set). */
export function tracingRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  return Object.keys(env).some((k) => k.startsWith('OTEL_'));
}

/** Run `fn` inside a span when tracing is enabled; errors are recorded on the span and rethrown. */
export function inSpan<T>(name: string, attributes: Record<string, string | number>, fn: () => T): T {
  if (!tracer) return fn();
  return tracer.startActiveSpan(name, { attributes }, (span) => {
    try {
      const result = fn();
      if (result instanceof Promise) {
        return result
          .catch((error: unknown) => {
            span.recordException(error as Error);
            span.setStatus({ code: errorCode });
            throw error;
          })
          .finally(() => span.end()) as T;
      }
      span.end();
      return result;
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: errorCode });
      span.end();
      throw error;
    }
  });
}
