/**
 * Hostile OTLP/JSON and Prometheus remote_write bodies on /v1/logs, /v1/metrics and /api/v1/write, through
 * buildApp() + app.inject(): never a 5xx, and the good samples beside the bad ones are produced.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import snappy from 'snappyjs';
import { WriteRequest } from '../../pipelines/metrics/remote-write/remote-write.js';
import { reliabilityReport } from '../helpers/reliability-report.js';
import { setup, T0 } from './ingest-fixtures.js';

const report = reliabilityReport('ingest-hostile-otlp');

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
