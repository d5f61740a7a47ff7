/**
 * The metric parser contract, the counterpart of parse/parser.ts for mesh metrics: one message in (bytes,
 * text or a decoded JSON document), one result per sample out, never a throw. A rejection carries the
 * sample when there was one (the dead-letter record shows it), and none when a part of the message could
 * not be read at all.
 */
import { Type, type TObject } from '@sinclair/typebox';
import type { Factory } from '../core/component.js';
import type { MetricSample } from './sample.js';

/** The format names in ingest's and the scorer's counters (`format` label). */
export type MetricFormat = 'remote-write' | 'otlp-metrics' | 'prometheus-kafka-adapter';

export type MetricResult =
  { ok: true; sample: MetricSample } | { ok: false; reason: string; sample?: MetricSample };

export type MetricEmit = (result: MetricResult) => void;

export interface MetricParser<I> {
  readonly format: MetricFormat;
  parse(input: I, emit: MetricEmit): void;
}

/** The metric parsers read no config yet: an empty object, unknown keys rejected. */
export function noConfig(description: string): TObject {
  return Type.Object({}, { additionalProperties: false, description });
}

/** The factory of a metric parser: `type` is the folder name in snake_case. */
export function metricParserFactory<I>(
  type: string,
  configSchema: TObject,
  parser: MetricParser<I>,
): Factory<'parser', TObject, MetricParser<I>> {
  return { kind: 'parser', type, configSchema, create: () => parser };
}
