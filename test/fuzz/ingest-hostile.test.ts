/**
 * Hostile access-log bodies on POST /ingest/envoy, through buildApp() + app.inject(): what a broken or
 * malicious shipper can send. Every body gets a clear 4xx or a dead-letter record with the reason, never a
 * 5xx, and the valid records beside the bad ones are all produced (accepted + rejected = sent). OTLP and
 * remote_write bodies: ingest-hostile-otlp.test.ts.
 */
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MeshSimulator } from '../../pipelines/sources/simulator/index.js';
import { reliabilityReport } from '../helpers/reliability-report.js';
import { setup, T0 } from './ingest-fixtures.js';

const report = reliabilityReport('ingest-hostile');

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
            headers: { 'content-type': 'application/x-ndjson' },
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
          headers: { 'content-type': 'application/x-ndjson' },
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
        { 'content-type': 'application/x-ndjson', 'content-encoding': 'br' },
        VALID[0]!,
        415,
      ],
      [
        'Content-Encoding gzip, body not gzip',
        { 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip' },
        VALID[0]!,
        400,
      ],
      [
        'gzip cut short',
        { 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip' },
        gzipSync(Buffer.from(VALID.slice(0, 20).join('\n'))).subarray(0, 40),
        400,
      ],
      [
        'gzip bomb (1 MiB limit, 200 MiB of zeros)',
        { 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip' },
        gzipSync(Buffer.alloc(200 * 1024 * 1024)),
        413,
      ],
      ['only blank lines', { 'content-type': 'application/x-ndjson' }, '\n\n   \n', 400],
      ['only junk', { 'content-type': 'application/x-ndjson' }, 'junk\nmore junk', 400],
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
