import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { resolveConfig } from '../../../config/validate.js';

const EXAMPLES = join(import.meta.dirname, '../../../config/examples');
/* eslint-disable @typescript-eslint/no-explicit-any */
const load = (name: string): any => parseYaml(readFileSync(join(EXAMPLES, name), 'utf8'));
const SHIPPERS = new Set(['fluent-bit.yaml', 'otel-collector.yaml']);
/** Kafka compression the scorer can read (pipelines/sources/kafka/codecs.ts; kafkajs has no lz4 or zstd). */
const READABLE_CODECS = ['none', 'gzip', 'snappy'];

describe('meshguard config examples', () => {
  const configs = readdirSync(EXAMPLES).filter((f) => /\.ya?ml$/.test(f) && !SHIPPERS.has(f));

  it('exist', () => {
    expect(configs).toContain('compose.yaml');
  });

  for (const file of configs)
    it(`${file} is accepted by the config schema`, () => {
      expect(() => resolveConfig(load(file))).not.toThrow();
    });
});

describe('Fluent Bit example', () => {
  const fb = load('fluent-bit.yaml');
  const byName = (list: any[], name: string): any => list.find((x) => x.name === name);

  it('tails the istio-proxy container logs', () => {
    const tail = byName(fb.pipeline.inputs, 'tail');
    expect(tail.path).toBe('/var/log/containers/*istio-proxy*.log');
    expect(tail.db).toBeTruthy(); // offsets survive restarts
  });

  it('adds Kubernetes metadata and merges the JSON access-log line into the record', () => {
    const k8s = byName(fb.pipeline.filters, 'kubernetes');
    expect(k8s).toMatchObject({ match: 'kube.*', merge_log: 'on' });
  });

  it('produces JSON to the mesh.access-logs topic', () => {
    const kafka = byName(fb.pipeline.outputs, 'kafka');
    expect(kafka).toMatchObject({ topics: 'mesh.access-logs', format: 'json', match: 'kube.*' });
    expect(kafka.brokers).toBeTruthy();
    expect(READABLE_CODECS).toContain(kafka['rdkafka.compression.codec']);
  });
});

describe('OpenTelemetry Collector example', () => {
  const otel = load('otel-collector.yaml');

  it('reads istio-proxy logs with the filelog receiver and parses the container format', () => {
    const filelog = otel.receivers['filelog/istio-proxy'];
    expect(filelog.include).toEqual(['/var/log/pods/*/istio-proxy/*.log']);
    expect(filelog.operators[0].type).toBe('container');
  });

  it('exports OTLP/JSON to the mesh.access-logs topic', () => {
    expect(otel.exporters.kafka.logs).toEqual({ topic: 'mesh.access-logs', encoding: 'otlp_json' });
    expect(READABLE_CODECS).toContain(otel.exporters.kafka.producer.compression);
  });

  it('wires only components it defines into the logs pipeline', () => {
    const p = otel.service.pipelines.logs;
    for (const r of p.receivers) expect(otel.receivers).toHaveProperty([r]);
    for (const x of p.processors) expect(otel.processors).toHaveProperty([x]);
    for (const e of p.exporters) expect(otel.exporters).toHaveProperty([e]);
    for (const e of otel.service.extensions) expect(otel.extensions).toHaveProperty([e]);
    // memory_limiter must come first to protect the collector.
    expect(p.processors[0]).toBe('memory_limiter');
  });
});
