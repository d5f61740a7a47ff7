import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ParseResult } from '../../../pipelines/core/event.js';
import { defaultParseOptions, detectFormat, parseLine } from '../../../pipelines/parse/index.js';
import { fixtureLines, parseAll, parseOne, reasonOf } from './fixtures.js';

const base = JSON.parse(fixtureLines('istio-json.log')[1]!) as Record<string, unknown>;
const withField = (k: string, v: unknown): string => JSON.stringify({ ...base, [k]: v });

describe('detectFormat and parseLine(auto)', () => {
  it('detects each format from the first character, ignoring leading blanks', () => {
    expect(detectFormat('{"start_time":"x"}')).toBe('istio-json');
    expect(detectFormat('  {"kubernetes":{}}')).toBe('istio-json');
    expect(detectFormat('{ "resourceLogs": [] }')).toBe('otlp-json');
    expect(detectFormat('[2020-11-25T21:26:18.409Z] "- - -"')).toBe('envoy-text');
    expect(detectFormat('GET / HTTP/1.1')).toBeUndefined();
    expect(detectFormat('')).toBeUndefined();
  });

  it('hands an OTLP request given as istio-json to the OTLP parser', () => {
    const otlp = fixtureLines('otlp.log')[1]!;
    const out: ParseResult[] = [];
    parseLine(otlp, 'istio-json', defaultParseOptions, (r) => out.push(r));
    expect(out).toHaveLength(1);
    expect(out[0]!.ok).toBe(true);
  });

  it('an explicit format is honoured: text given as JSON is not JSON', () => {
    const out: ParseResult[] = [];
    parseLine(fixtureLines('envoy-text.log')[0]!, 'istio-json', defaultParseOptions, (r) => out.push(r));
    expect(out).toEqual([{ ok: false, reason: expect.stringMatching(/^not JSON: /) as unknown }]);
  });
});

describe('every rejection names what is wrong', () => {
  it.each([
    ['', 'empty line'],
    ['   ', 'empty line'],
    [
      'GET / HTTP/1.1',
      `unknown format: not JSON, an Envoy text line, a ztunnel line or a Linkerd apache line: 'GET / HTTP/1.1'`,
    ],
    ['{"start_time": "2020-', 'not JSON: '],
    ['["not", "text"]', 'envoy-text: expected "\\"METHOD PATH PROTOCOL\\"" after the time'],
    ['{}', 'start_time: missing'],
  ])('%j → %s', (line, reason) => {
    expect(reasonOf(line)).toContain(reason);
  });

  it('lines over 1 MiB', () => {
    const big = `{"start_time":"2020-11-25T21:26:18.409Z","user_agent":"${'a'.repeat(1 << 20)}"}`;
    expect(reasonOf(big)).toMatch(/^line too long: \d+ characters \(max 1048576\)$/);
    expect(reasonOf(`[${'x'.repeat(1 << 20)}]`)).toMatch(/^line too long/);
  });

  it('JSON that is not an object', () => {
    const out: ParseResult[] = [];
    parseLine('[1,2]', 'istio-json', defaultParseOptions, (r) => out.push(r));
    expect(out).toEqual([{ ok: false, reason: 'not a JSON object: an array' }]);
  });

  it.each([
    ['start_time', undefined, 'start_time: missing'],
    ['start_time', null, 'start_time: missing'],
    ['start_time', '-', 'start_time: missing'],
    ['start_time', 'yesterday', "start_time: not an ISO-8601 time: 'yesterday'"],
    ['start_time', 1606339578409, 'start_time: not an ISO-8601 time: 1606339578409'],
    [
      'start_time',
      '2020-13-45T99:00:00.000Z',
      "start_time: not an ISO-8601 time: '2020-13-45T99:00:00.000Z'",
    ],
    [
      'start_time',
      '1999-12-31T23:59:59.999Z',
      "start_time: out of range (before 2000 or after 2100): '1999-12-31T23:59:59.999Z'",
    ],
    [
      'start_time',
      '2100-01-01T00:00:00.000Z',
      "start_time: out of range (before 2000 or after 2100): '2100-01-01T00:00:00.000Z'",
    ],
    ['response_code', 'abc', "response_code: not a number: 'abc'"],
    ['response_code', 1000, 'response_code: too large: 1000 (max 999)'],
    ['response_code', 200.5, 'response_code: not an integer: 200.5'],
    ['bytes_sent', -5, 'bytes_sent: negative: -5'],
    ['bytes_sent', '-5', 'bytes_sent: negative: -5'],
    ['bytes_sent', '1e3', "bytes_sent: not a number: '1e3'"],
    ['bytes_received', 1e20, 'bytes_received: too large: 100000000000000000000 (max 1000000000000000)'],
    [
      'bytes_received',
      '99999999999999999999',
      "bytes_received: too large: '99999999999999999999' (max 1000000000000000)",
    ],
    ['duration', { ms: 3 }, 'duration: not a number: an object'],
    ['duration', true, 'duration: not a number: true'],
    ['method', ['GET'], 'method: not a string: an array'],
    ['upstream_cluster', { a: 1 }, 'upstream_cluster: not a string: an object'],
  ])('%s = %j → %s', (key, value, reason) => {
    expect(reasonOf(withField(key, value))).toBe(reason);
  });

  it('accepts a time with a zone offset or none (read as UTC), and a space instead of T', () => {
    expect(parseOne(withField('start_time', '2020-11-25T22:26:18.409+01:00')).timeMs).toBe(
      Date.parse('2020-11-25T21:26:18.409Z'),
    );
    expect(parseOne(withField('start_time', '2020-11-25T21:26:18.409')).timeMs).toBe(
      Date.parse('2020-11-25T21:26:18.409Z'),
    );
    expect(parseOne(withField('start_time', '2020-11-25 21:26:18.409Z')).timeMs).toBe(
      Date.parse('2020-11-25T21:26:18.409Z'),
    );
  });

  it('the minute cache never leaks one line’s time into the next', () => {
    const t = (s: string): number => parseOne(withField('start_time', s)).timeMs;
    expect(t('2024-03-05T10:00:59.999Z')).toBe(Date.parse('2024-03-05T10:00:59.999Z'));
    expect(t('2024-03-05T10:01:00.000Z')).toBe(Date.parse('2024-03-05T10:01:00.000Z'));
    expect(t('2024-03-05T10:00:00.001Z')).toBe(Date.parse('2024-03-05T10:00:00.001Z'));
    expect(t('2023-03-05T10:00:00.001Z')).toBe(Date.parse('2023-03-05T10:00:00.001Z'));
  });
});

describe('bad input never throws', () => {
  const all = [
    ...fixtureLines('istio-json.log'),
    ...fixtureLines('envoy-text.log'),
    ...fixtureLines('shipped.log'),
    ...fixtureLines('otlp.log'),
  ];

  it('random strings and mutated real lines always yield results, never exceptions', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 300 }),
          fc.json(),
          fc
            .tuple(fc.constantFrom(...all), fc.nat(), fc.nat(), fc.string({ maxLength: 8 }))
            .map(([l, a, b, ins]) => {
              const i = a % (l.length + 1);
              return l.slice(0, i) + ins + l.slice(Math.min(l.length, i + (b % 20)));
            }),
        ),
        (line) => {
          const out = parseAll(line);
          for (const r of out) {
            if (r.ok) expect(Number.isFinite(r.event.timeMs)).toBe(true);
            else expect(r.reason.length).toBeGreaterThan(0);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});
