/**
 * Hostile input on every ingest endpoint, through buildApp() + app.inject(): what a broken or malicious
 * shipper can send. Every body gets a clear 4xx or a dead-letter record with the reason, never a 5xx,
 * and the valid records beside the bad ones are all produced (accepted + rejected = sent).
 */
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import snappy from 'snappyjs';
import { resolveConfig } from '../../config/validate.js';
import { Metrics } from '../../pipelines/core/metrics.js';
import type { OutRecord, RecordProducer } from '../../pipelines/sources/bus/types.js';
import { MeshSimulator } from '../../pipelines/sources/simulator/index.js';
import { buildApp } from '../../services/ingest/app.js';
import { WriteRequest } from '../../services/ingest/metric-records.js';
import { reliabilityReport } from '../helpers/reliability-report.js';

const report = reliabilityReport('ingest-hostile');
const logger = pino({ level: 'silent' });
const T0 = Date.parse('2024-05-01T10:00:00Z');

class CapturingProducer implements RecordProducer {
  sent: Array<{ topic: string; messages: OutRecord[] }> = [];
  async send(topic: string, messages: OutRecord[]): Promise<void> {
    this.sent.push({ topic, messages });
  }
  ready(): boolean {
    return true;
  }
  on(topic: string): OutRecord[] {
    return this.sent.filter((s) => s.topic === topic).flatMap((s) => s.messages);
  }
}

function setup(raw: Record<string, unknown> = {}) {
  const producer = new CapturingProducer();
  const app = buildApp(resolveConfig(raw), { metrics: new Metrics(), logger, producer });
  return { app, producer };
}

/** Valid Istio JSON access logs from the simulator (one line each, no newlines inside). */
const VALID: string[] = [];
new MeshSimulator({ seed: 11, startMs: T0, services: 12, ratePerSec: 20 }).generate(T0, T0 + 10_000, (r) =>
  VALID.push(JSON.stringify(r)),
);
const validLine = fc.constantFrom(...VALID.slice(0, 200));
const base = JSON.parse(VALID[0]!) as Record<string, unknown>;
const withFields = (over: Record<string, unknown>): string => JSON.stringify({ ...base, ...over });

/** Lines a broken or hostile shipper produces: one line each (no newline), never blank. */
const hostileLine = fc
  .oneof(
    fc.string({ maxLength: 200 }),
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
    fc
      .dictionary(
        fc.constantFrom(...Object.keys(base), '__proto__', 'constructor', 'prototype'),
        fc.jsonValue({ maxDepth: 2 }),
      )
      .map((o) => JSON.stringify({ ...base, ...o })),
    fc.tuple(validLine, fc.nat()).map(([line, n]) => line.slice(0, Math.max(1, n % line.length))),
    fc
      .tuple(validLine, fc.nat(), fc.string({ unit: 'binary', minLength: 1, maxLength: 5 }))
      .map(([line, n, junk]) => line.slice(0, n % line.length) + junk + line.slice(n % line.length)),
  )
  .map((s) => s.replace(/[\r\n]/g, ' '))
  .filter((s) => s.trim() !== '' && !s.includes('resourceLogs'));

/** The targeted hostile records, each with a name for the report. */
const TARGETED: Array<[string, string]> = [
  ['malformed JSON', '{"start_time": "2024-05-01T10:00:00Z", "method": '],
  ['truncated record', VALID[1]!.slice(0, VALID[1]!.length / 2)],
  ['binary bytes', '\u0000\u0001\u0002\u00ff\u00fe\ufffd\u0007'],
  ['deep nesting (10 000 levels)', '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000)],
  [
    'deep nesting inside a record',
    withFields({ kubernetes: JSON.parse('{"a":'.repeat(2000) + '1' + '}'.repeat(2000)) }),
  ],
  [
    '__proto__ key',
    withFields({ __proto__: { polluted: 'yes' } }).replace(
      '"start_time"',
      '"__proto__":{"polluted":"yes"},"start_time"',
    ),
  ],
  ['constructor.prototype key', withFields({ constructor: { prototype: { polluted: 'yes' } } })],
  [
    'wrong types',
    withFields({ response_code: { x: 1 }, bytes_sent: [1, 2], method: 42, path: null, duration: true }),
  ],
  ['start_time a number', withFields({ start_time: 1714557600000 })],
  [
    'huge numbers',
    withFields({ bytes_sent: 1e308, bytes_received: '99999999999999999999999999', duration: -5 }),
  ],
  ['number beyond double range', JSON.stringify(base).replace(/"bytes_sent":[^,]+/, '"bytes_sent":1e400')],
  ['timestamp year 1', withFields({ start_time: '0001-01-01T00:00:00.000Z' })],
  ['timestamp year 9999', withFields({ start_time: '9999-12-31T23:59:59.999Z' })],
  ['timestamp beyond the Date range', withFields({ start_time: '+275760-09-13T00:00:00.001Z' })],
  ['timestamp not a date', withFields({ start_time: 'yesterday' })],
  ['JSON null', 'null'],
  ['JSON string', '"hello"'],
  ['Envoy text line cut short', '[2024-05-01T10:00:00.000Z] "GET /api HTTP/1.1" 200 - via_upstream'],
];

describe('POST /ingest/envoy with hostile lines', () => {
  it('property: valid and hostile lines mixed; every valid line produced, accepted + rejected = sent, never 5xx', async () => {
    const { app, producer } = setup();
    await report.check(
      'hostile input',
      '/ingest/envoy: random mixes of valid lines and junk (fast-check, 300 bodies: random, binary, truncated, spliced, wrong-typed, __proto__ keys)',
      'each body 200 (or 400 when no line is valid); accepted + rejected = lines sent; every valid line reaches the topic; the rest reach the DLQ',
      async (note) => {
        let bodies = 0;
        let sent = 0;
        let rejected = 0;
        await fc.assert(
          fc.asyncProperty(
            fc.array(
              fc.oneof(
                validLine.map((v) => ({ v, ok: true })),
                hostileLine.map((v) => ({ v, ok: false })),
              ),
              { minLength: 1, maxLength: 40 },
            ),
            async (items) => {
              // The first line is valid, so the body is read as lines (not as a JSON array / one document).
              const lines = [VALID[0]!, ...items.map((i) => i.v)];
              producer.sent.length = 0;
              const res = await app.inject({
                method: 'POST',
                url: '/ingest/envoy',
                headers: { 'content-type': 'application/x-ndjson' },
                payload: lines.join('\n'),
              });
              expect(res.statusCode).toBe(200);
              const body = res.json() as { accepted: number; rejected: number };
              expect(body.accepted + body.rejected).toBe(lines.length);
              const produced = producer.on('mesh.access-logs').map((m) => m.value);
              expect(produced).toHaveLength(body.accepted);
              for (const line of [VALID[0]!, ...items.filter((i) => i.ok).map((i) => i.v)])
                expect(produced).toContain(line);
              const dlq = producer.on('meshguard.dlq').map((m) => JSON.parse(m.value) as { reason: string });
              expect(dlq).toHaveLength(body.rejected);
              for (const d of dlq) expect(d.reason.length).toBeGreaterThan(3);
              bodies++;
              sent += lines.length;
              rejected += body.rejected;
            },
          ),
          { numRuns: 300, seed: 20240501 },
        );
        note(`${bodies} bodies, ${sent} lines, ${rejected} dead-lettered with a reason, 0 lost`);
      },
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('targeted records: each one set aside or accepted, the valid records beside them all produced, no prototype pollution', async () => {
    const { app, producer } = setup();
    for (const [name, record] of TARGETED) {
      await report.check(
        'hostile input',
        `/ingest/envoy: ${name}, between two valid lines`,
        '200; both valid lines produced; the record accepted or dead-lettered with a reason',
        async (note) => {
          producer.sent.length = 0;
          const started = Date.now();
          const res = await app.inject({
            method: 'POST',
            url: '/ingest/envoy',
            headers: { 'content-type': 'application/x-ndjson' },
            payload: [VALID[0]!, record, VALID[2]!].join('\n'),
          });
          expect(res.statusCode).toBe(200);
          const body = res.json() as {
            accepted: number;
            rejected: number;
            errors: Array<{ reason: string }>;
          };
          expect(body.accepted + body.rejected).toBe(3);
          const produced = producer.on('mesh.access-logs').map((m) => m.value);
          expect(produced).toContain(VALID[0]);
          expect(produced).toContain(VALID[2]);
          if (body.rejected) {
            const [dead] = producer.on('meshguard.dlq').map((m) => JSON.parse(m.value) as { reason: string });
            expect(dead!.reason.length).toBeGreaterThan(3);
            note(`rejected: "${dead!.reason.slice(0, 80)}"`);
          } else note('accepted');
          note(`${Date.now() - started} ms`);
          expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        },
      );
    }
  });

  it('a 10 MB line beside valid ones: set aside (stored truncated in the DLQ), the rest produced, in bounded time', async () => {
    const { app, producer } = setup({ ingest: { body_limit_bytes: 12 * 1024 * 1024 } });
    const shapes: Array<[string, string]> = [
      ['10 MB of one character', 'a'.repeat(10 * 1024 * 1024)],
      ['10 MB JSON string value', withFields({ path: '/' + 'x'.repeat(10 * 1024 * 1024) }).slice(0, -1)],
      [
        '10 MB Envoy text path',
        `[2024-05-01T10:00:00.000Z] "GET /${'a/'.repeat(5 * 1024 * 1024)} HTTP/1.1" 200`,
      ],
    ];
    for (const [name, line] of shapes) {
      await report.check(
        'hostile input',
        `/ingest/envoy: a 10 MB line (${name}) between two valid lines`,
        '200 within 5 s; both valid lines produced; the DLQ record truncated to 64 KiB',
        async (note) => {
          producer.sent.length = 0;
          const started = Date.now();
          const res = await app.inject({
            method: 'POST',
            url: '/ingest/envoy',
            headers: { 'content-type': 'text/plain' },
            payload: [VALID[0]!, line, VALID[2]!].join('\n'),
          });
          const ms = Date.now() - started;
          expect(res.statusCode).toBe(200);
          expect(res.json()).toMatchObject({ accepted: 2, rejected: 1 });
          expect(producer.on('mesh.access-logs').map((m) => m.value)).toEqual([VALID[0], VALID[2]]);
          const [dead] = producer
            .on('meshguard.dlq')
            .map((m) => JSON.parse(m.value) as { record: string; truncated?: boolean; reason: string });
          expect(dead!.truncated).toBe(true);
          expect(dead!.record.length).toBe(64 * 1024);
          expect(ms).toBeLessThan(5000);
          note(`${ms} ms; reason "${dead!.reason.slice(0, 60)}"`);
        },
      );
    }
  });

  it('the same 10 MB line over the default 10 MB body limit is 413, not a crash', async () => {
    const { app } = setup();
    await report.check(
      'hostile input',
      '/ingest/envoy: body over ingest.body_limit_bytes (10 MB + 1 line)',
      '413 with a message',
      async (note) => {
        const res = await app.inject({
          method: 'POST',
          url: '/ingest/envoy',
          headers: { 'content-type': 'text/plain' },
          payload: `${VALID[0]}\n${'a'.repeat(10 * 1024 * 1024)}`,
        });
        expect(res.statusCode).toBe(413);
        note(`413 "${(res.json() as { message: string }).message.slice(0, 60)}"`);
      },
    );
  });

  it('invalid UTF-8 bytes inside a body: that line set aside or accepted, the valid lines produced', async () => {
    const { app, producer } = setup();
    await report.check(
      'hostile input',
      '/ingest/envoy: invalid UTF-8 (lone 0xFF, cut multi-byte sequence) in a line',
      '200; the valid lines produced; accepted + rejected = 3',
      async (note) => {
        const bad = Buffer.concat([
          Buffer.from('{"start_time":"2024-05-01T10:00:00Z","path":"/a'),
          Buffer.from([0xff, 0xe2, 0x82]),
          Buffer.from('"}'),
        ]);
        const payload = Buffer.concat([Buffer.from(VALID[0]! + '\n'), bad, Buffer.from('\n' + VALID[2]!)]);
        const res = await app.inject({
          method: 'POST',
          url: '/ingest/envoy',
          headers: { 'content-type': 'application/x-ndjson' },
          payload,
        });
        expect(res.statusCode).toBe(200);
        const body = res.json() as { accepted: number; rejected: number };
        expect(body.accepted + body.rejected).toBe(3);
        expect(producer.on('mesh.access-logs').map((m) => m.value)).toEqual(
          expect.arrayContaining([VALID[0], VALID[2]]),
        );
        note(`accepted ${body.accepted}, rejected ${body.rejected}`);
      },
    );
  });

  it('bodies that are unusable as a whole get a clear 4xx', async () => {
    const { app } = setup({ ingest: { body_limit_bytes: 1024 * 1024 } });
    const cases: Array<[string, Record<string, string>, string | Buffer, number, RegExp?]> = [
      ['JSON array cut short', { 'content-type': 'application/json' }, `[${VALID[0]},`, 400],
      [
        'deeply nested JSON array (100 000 levels)',
        { 'content-type': 'application/json' },
        '['.repeat(100_000) + ']'.repeat(100_000),
        400,
        /nested too deeply/,
      ],
      ['wrong Content-Type (application/xml)', { 'content-type': 'application/xml' }, VALID[0]!, 415],
      ['no Content-Type', {}, VALID[0]!, 415],
      [
        'unsupported Content-Encoding (br)',
        { 'content-type': 'text/plain', 'content-encoding': 'br' },
        VALID[0]!,
        415,
      ],
      [
        'Content-Encoding gzip, body not gzip',
        { 'content-type': 'text/plain', 'content-encoding': 'gzip' },
        VALID[0]!,
        400,
      ],
      [
        'gzip cut short',
        { 'content-type': 'text/plain', 'content-encoding': 'gzip' },
        gzipSync(Buffer.from(VALID.slice(0, 20).join('\n'))).subarray(0, 40),
        400,
      ],
      [
        'gzip bomb (1 MiB limit, 200 MiB of zeros)',
        { 'content-type': 'text/plain', 'content-encoding': 'gzip' },
        gzipSync(Buffer.alloc(200 * 1024 * 1024)),
        413,
      ],
      ['only blank lines', { 'content-type': 'text/plain' }, '\n\n   \n', 400],
      ['only junk', { 'content-type': 'text/plain' }, 'junk\nmore junk', 400],
    ];
    for (const [name, headers, payload, status, says] of cases) {
      await report.check(
        'hostile input',
        `/ingest/envoy: ${name}`,
        `${status} with a message`,
        async (note) => {
          const res = await app.inject({ method: 'POST', url: '/ingest/envoy', headers, payload });
          expect(res.statusCode).toBe(status);
          const message = (res.json() as { message: string }).message;
          expect(message.length).toBeGreaterThan(5);
          if (says) expect(message).toMatch(says);
          note(`${status} "${message.slice(0, 70)}"`);
        },
      );
    }
  });
});

/** Arbitrary JSON shaped a bit like OTLP, so the property reaches deep into the walkers. */
const otlpish = (top: 'resourceLogs' | 'resourceMetrics') =>
  fc
    .letrec<{ node: unknown }>((tie) => ({
      node: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.jsonValue({ maxDepth: 1 }),
        fc.array(tie('node'), { maxLength: 3 }),
        fc.dictionary(
          fc.constantFrom(
            top,
            'resource',
            'attributes',
            'scopeLogs',
            'scopeMetrics',
            'logRecords',
            'metrics',
            'name',
            'sum',
            'gauge',
            'histogram',
            'dataPoints',
            'timeUnixNano',
            'asDouble',
            'asInt',
            'count',
            'key',
            'value',
            'stringValue',
            'body',
            '__proto__',
          ),
          tie('node'),
          { maxKeys: 4 },
        ),
      ),
    }))
    .node.map((node) => ({ [top]: Array.isArray(node) ? node : [node] }));

describe('OTLP/JSON and remote_write with hostile bodies', () => {
  it('property: /v1/metrics with arbitrary OTLP-shaped JSON never answers 5xx', async () => {
    const { app } = setup();
    await report.check(
      'hostile input',
      '/v1/metrics: arbitrary OTLP-shaped JSON (fast-check, 400 bodies: nulls, wrong types, huge timeUnixNano)',
      'a 200 with counts or a 400 with a message; never 5xx',
      async (note) => {
        const statuses = new Map<number, number>();
        await fc.assert(
          fc.asyncProperty(otlpish('resourceMetrics'), async (request) => {
            const res = await app.inject({
              method: 'POST',
              url: '/v1/metrics',
              headers: { 'content-type': 'application/json' },
              payload: JSON.stringify(request),
            });
            statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
            expect([200, 400]).toContain(res.statusCode);
          }),
          { numRuns: 400, seed: 7 },
        );
        note([...statuses].map(([s, n]) => `${n}× ${s}`).join(', '));
      },
    );
  });

  it('property: /v1/logs with arbitrary OTLP-shaped JSON never answers 5xx', async () => {
    const { app } = setup();
    await report.check(
      'hostile input',
      '/v1/logs: arbitrary OTLP-shaped JSON (fast-check, 400 bodies)',
      'a 200 with counts or a 400 with a message; never 5xx',
      async (note) => {
        const statuses = new Map<number, number>();
        await fc.assert(
          fc.asyncProperty(otlpish('resourceLogs'), async (request) => {
            const res = await app.inject({
              method: 'POST',
              url: '/v1/logs',
              headers: { 'content-type': 'application/json' },
              payload: JSON.stringify(request),
            });
            statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
            expect([200, 400]).toContain(res.statusCode);
          }),
          { numRuns: 400, seed: 8 },
        );
        note([...statuses].map(([s, n]) => `${n}× ${s}`).join(', '));
      },
    );
  });

  it('OTLP metrics: one good data point beside bad ones (null, far-future time, NaN) is produced; the bad ones dead-lettered', async () => {
    const { app, producer } = setup();
    await report.check(
      'hostile input',
      '/v1/metrics: one valid sum point beside a null point, a timeUnixNano of 1e23 and a NaN value',
      '200, accepted 1; each bad point rejected with a reason',
      async (note) => {
        const point = (over: Record<string, unknown>) => ({
          timeUnixNano: String(T0 * 1e6),
          asDouble: 1,
          attributes: [{ key: 'source_workload', value: { stringValue: 'frontend' } }],
          ...over,
        });
        const request = {
          resourceMetrics: [
            {
              scopeMetrics: [
                {
                  metrics: [
                    {
                      name: 'istio_requests_total',
                      sum: {
                        dataPoints: [
                          point({}),
                          null,
                          point({ timeUnixNano: '100000000000000000000000' }),
                          point({ asDouble: 'NaN' }),
                        ],
                      },
                    },
                    null,
                    { name: 'x', sum: { dataPoints: 'not a list' } },
                  ],
                },
              ],
            },
            null,
          ],
        };
        const res = await app.inject({
          method: 'POST',
          url: '/v1/metrics',
          headers: { 'content-type': 'application/json' },
          payload: request,
        });
        expect(res.statusCode).toBe(200);
        const body = res.json() as { accepted: number; rejected: number; errors: Array<{ reason: string }> };
        expect(body.accepted).toBe(1);
        expect(body.rejected).toBeGreaterThanOrEqual(3);
        expect(producer.on('mesh.metrics')).toHaveLength(1);
        note(
          `accepted 1, rejected ${body.rejected}: ${body.errors.map((e) => e.reason.slice(0, 40)).join(' / ')}`,
        );
      },
    );
  });

  it('remote_write: broken snappy, broken protobuf, absurd timestamps and values', async () => {
    const { app, producer } = setup();
    const headers = {
      'content-type': 'application/x-protobuf',
      'content-encoding': 'snappy',
      'x-prometheus-remote-write-version': '0.1.0',
    };
    const series = (
      samples: Array<{ value: number; timestamp: number | string }>,
      name = 'istio_requests_total',
    ) => ({
      labels: [
        { name: '__name__', value: name },
        { name: 'source_workload', value: 'frontend' },
        { name: '__proto__', value: 'x' },
      ],
      samples,
    });
    const encode = (timeseries: unknown[]) =>
      Buffer.from(snappy.compress(WriteRequest.encode(WriteRequest.fromObject({ timeseries })).finish()));
    const good = encode([series([{ value: 1, timestamp: T0 }])]);
    const cases: Array<[string, Buffer, number]> = [
      ['bytes that are not snappy', Buffer.from([0xff, 0x00, 0x13, 0x37, 0x42]), 400],
      [
        'valid snappy, body not protobuf',
        Buffer.from(snappy.compress(Buffer.from('hello, this is not protobuf at all \u0000\u00ff'))),
        400,
      ],
      [
        'snappy of a truncated WriteRequest',
        Buffer.from(
          snappy.compress(
            WriteRequest.encode(
              WriteRequest.fromObject({ timeseries: [series([{ value: 1, timestamp: T0 }])] }),
            )
              .finish()
              .subarray(0, 20),
          ),
        ),
        400,
      ],
      ['snappy header claiming 256 MiB uncompressed', Buffer.from([0xff, 0xff, 0xff, 0x7f, 0x00]), 413],
      [
        'a sample with timestamp 9e18 ms (beyond the Date range)',
        encode([series([{ value: 1, timestamp: '9000000000000000000' }])]),
        400,
      ],
      ['a sample with a NaN value', encode([series([{ value: NaN, timestamp: T0 }])]), 400],
      ['a sample with timestamp 0', encode([series([{ value: 1, timestamp: 0 }])]), 400],
      [
        'a series without __name__',
        encode([{ labels: [{ name: 'job', value: 'x' }], samples: [{ value: 1, timestamp: T0 }] }]),
        400,
      ],
      [
        'a good sample beside an out-of-range timestamp and an Infinity',
        encode([
          series([
            { value: 1, timestamp: T0 },
            { value: 2, timestamp: '9000000000000000000' },
            { value: Infinity, timestamp: T0 },
          ]),
        ]),
        200,
      ],
    ];
    for (const [name, payload, status] of cases) {
      await report.check(
        'hostile input',
        `/api/v1/write: ${name}`,
        `${status}${status === 200 ? ' (good sample produced, bad ones dead-lettered)' : ' with a message'}`,
        async (note) => {
          producer.sent.length = 0;
          const res = await app.inject({ method: 'POST', url: '/api/v1/write', headers, payload });
          expect(res.statusCode).toBe(status);
          const body = res.json() as { message?: string; accepted?: number; rejected?: number };
          if (status === 200) {
            expect(body).toMatchObject({ accepted: 1, rejected: 2 });
            expect(producer.on('mesh.metrics')).toHaveLength(1);
            expect(producer.on('meshguard.dlq')).toHaveLength(2);
            note('accepted 1, rejected 2');
          } else note(`${status} "${String(body.message).slice(0, 70)}"`);
        },
      );
    }
    // The good body still goes through after all that.
    const res = await app.inject({ method: 'POST', url: '/api/v1/write', headers, payload: good });
    expect(res.statusCode).toBe(200);
  });

  it('property: remote_write with random bytes (snappy-wrapped or not) never answers 5xx', async () => {
    const { app } = setup();
    await report.check(
      'hostile input',
      '/api/v1/write: random bytes, raw and snappy-compressed (fast-check, 500 bodies)',
      '400/413 with a message or 200; never 5xx',
      async (note) => {
        const statuses = new Map<number, number>();
        await fc.assert(
          fc.asyncProperty(fc.uint8Array({ maxLength: 512 }), fc.boolean(), async (bytes, wrap) => {
            const payload = Buffer.from(wrap ? snappy.compress(bytes) : bytes);
            const res = await app.inject({
              method: 'POST',
              url: '/api/v1/write',
              headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' },
              payload,
            });
            statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
            expect([200, 400, 413]).toContain(res.statusCode);
          }),
          { numRuns: 500, seed: 9 },
        );
        note([...statuses].map(([s, n]) => `${n}× ${s}`).join(', '));
      },
    );
  });
});
