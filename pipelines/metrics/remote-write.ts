/**
 * Prometheus remote_write 1.0: an HTTP body that is a snappy-compressed (block format, not framed)
 * protobuf `prometheus.WriteRequest`. The schema is the small subset meshguard needs, declared with
 * protobufjs's reflection API so no .proto file is read at run time:
 *
 *   message WriteRequest { repeated TimeSeries timeseries = 1; }   // 3 = metadata (ignored)
 *   message TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2; }
 *   message Label        { string name = 1; string value = 2; }
 *   message Sample       { double value = 1; int64 timestamp = 2; }  // ms since epoch
 *
 * Unknown fields (exemplars, native histograms, metadata) are skipped by the decoder.
 */
import protobuf from 'protobufjs';
import snappy from 'snappyjs';
import type { MetricSample } from './sample.js';

const { Field, Type } = protobuf;

const Label = new Type('Label').add(new Field('name', 1, 'string')).add(new Field('value', 2, 'string'));
const Sample = new Type('Sample')
  .add(new Field('value', 1, 'double'))
  .add(new Field('timestamp', 2, 'int64'));
const TimeSeries = new Type('TimeSeries')
  .add(new Field('labels', 1, 'Label', 'repeated'))
  .add(new Field('samples', 2, 'Sample', 'repeated'));
const WriteRequest = new Type('WriteRequest').add(new Field('timeseries', 1, 'TimeSeries', 'repeated'));
new protobuf.Root().define('prometheus').add(Label).add(Sample).add(TimeSeries).add(WriteRequest);

/** Refuse bodies that claim to inflate beyond this (a snappy bomb), before allocating. */
export const MAX_UNCOMPRESSED_BYTES = 64 * 1024 * 1024;

interface DecodedLabel {
  name?: string;
  value?: string;
}
interface DecodedSample {
  value?: number;
  timestamp?: number | { toNumber(): number } | string;
}
interface DecodedSeries {
  labels?: DecodedLabel[];
  samples?: DecodedSample[];
}

/** Decode a remote_write body. Never throws: a broken body yields `{ error }`. */
export function decodeRemoteWrite(body: Uint8Array): { samples: MetricSample[] } | { error: string } {
  if (!(body instanceof Uint8Array) || body.length === 0) return { error: 'empty remote_write body' };
  let raw: Uint8Array;
  try {
    raw = snappy.uncompress(body, MAX_UNCOMPRESSED_BYTES);
  } catch (error) {
    return { error: `remote_write body is not snappy block-compressed: ${(error as Error).message}` };
  }
  let message: { timeseries?: DecodedSeries[] };
  try {
    message = WriteRequest.toObject(WriteRequest.decode(raw), {
      longs: Number,
      defaults: false,
    }) as typeof message;
  } catch (error) {
    return { error: `remote_write body is not a protobuf WriteRequest: ${(error as Error).message}` };
  }
  const samples: MetricSample[] = [];
  for (const ts of message.timeseries ?? []) {
    const labels: Record<string, string> = {};
    let name = '';
    for (const l of ts.labels ?? []) {
      if (!l.name) continue;
      if (l.name === '__name__') name = l.value ?? '';
      else labels[l.name] = l.value ?? '';
    }
    if (!name) continue; // a series without a metric name cannot be keyed; Prometheus never sends one
    for (const s of ts.samples ?? []) {
      const timeMs = typeof s.timestamp === 'number' ? s.timestamp : Number(s.timestamp ?? 0);
      const value = s.value ?? 0;
      // Prometheus marks a series as gone with a special NaN (stale marker): nothing to score.
      if (!Number.isFinite(value) || !Number.isFinite(timeMs)) continue;
      samples.push({ name, labels, timeMs, value });
    }
  }
  return { samples };
}

/** Encode samples as a remote_write body (tests, the simulator). Samples of one series are grouped. */
export function encodeRemoteWrite(samples: readonly MetricSample[]): Uint8Array {
  const bySeries = new Map<
    string,
    { labels: DecodedLabel[]; samples: Array<{ value: number; timestamp: number }> }
  >();
  for (const s of samples) {
    const names = Object.keys(s.labels).sort();
    const key = JSON.stringify([s.name, ...names.map((n) => [n, s.labels[n]])]);
    let series = bySeries.get(key);
    if (!series) {
      series = {
        labels: [
          { name: '__name__', value: s.name },
          ...names.map((n) => ({ name: n, value: s.labels[n]! })),
        ],
        samples: [],
      };
      bySeries.set(key, series);
    }
    series.samples.push({ value: s.value, timestamp: s.timeMs });
  }
  const message = WriteRequest.fromObject({ timeseries: [...bySeries.values()] });
  return snappy.compress(WriteRequest.encode(message).finish());
}
