/**
 * Prometheus remote_write 0.1.0: a protobuf `prometheus.WriteRequest` (the HTTP body after ingest undid its
 * snappy content encoding). The schema is the subset meshguard reads, declared in code so no .proto file is
 * read at run time (prometheus/prompb/remote.proto, types.proto). Unknown fields (exemplars, native
 * histograms, metadata) are skipped by the decoder.
 */
import protobuf from 'protobufjs';
import type { MetricEmit, MetricParser } from '../parser.js';
import { sampleProblem, type MetricSample } from '../sample.js';

const root = protobuf.Root.fromJSON({
  nested: {
    prometheus: {
      nested: {
        WriteRequest: { fields: { timeseries: { rule: 'repeated', type: 'TimeSeries', id: 1 } } },
        TimeSeries: {
          fields: {
            labels: { rule: 'repeated', type: 'Label', id: 1 },
            samples: { rule: 'repeated', type: 'Sample', id: 2 },
          },
        },
        Label: { fields: { name: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } } },
        Sample: { fields: { value: { type: 'double', id: 1 }, timestamp: { type: 'int64', id: 2 } } },
      },
    },
  },
});
/** The message type, also for tests and senders that build bodies. */
export const WriteRequest = root.lookupType('prometheus.WriteRequest');

interface DecodedSeries {
  labels?: Array<{ name?: string; value?: string }>;
  samples?: Array<{ value?: number; timestamp?: number | { toNumber(): number } }>;
}

/** Decode a WriteRequest into samples; throws when the bytes are not one. Labels keep `__name__`. */
function decode(body: Uint8Array): MetricSample[] {
  const message = WriteRequest.decode(body);
  const { timeseries } = WriteRequest.toObject(message, { longs: Number, defaults: false }) as {
    timeseries?: DecodedSeries[];
  };
  const out: MetricSample[] = [];
  for (const series of timeseries ?? []) {
    const labels: Record<string, string> = {};
    for (const l of series.labels ?? []) if (l.name) labels[l.name] = l.value ?? '';
    for (const s of series.samples ?? [])
      out.push({
        name: labels.__name__ ?? '',
        labels,
        value: s.value ?? 0,
        timeMs: typeof s.timestamp === 'object' ? s.timestamp.toNumber() : Number(s.timestamp ?? 0),
      });
  }
  return out;
}

/** One result per sample; a body that is not a WriteRequest is one rejection without a sample. */
export function parseRemoteWrite(body: Uint8Array, emit: MetricEmit): void {
  let samples: MetricSample[];
  try {
    samples = decode(body);
  } catch (error) {
    emit({ ok: false, reason: `body is not a remote_write WriteRequest: ${(error as Error).message}` });
    return;
  }
  for (const sample of samples) {
    const reason = sampleProblem(sample);
    emit(reason === undefined ? { ok: true, sample } : { ok: false, reason, sample });
  }
}

export const remoteWriteParser: MetricParser<Uint8Array> = {
  format: 'remote-write',
  parse: parseRemoteWrite,
};
