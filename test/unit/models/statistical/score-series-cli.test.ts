import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { parseTimestamp, runScoreSeries } from '../../../../services/cli/score-series.js';
import { FIXTURES } from './nab.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'score-series-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await runScoreSeries(argv, { stdout, stderr, stdin: Readable.from([]) });
  return { code, stdout: out, stderr: err };
}

describe('meshguard score-series', () => {
  it('writes timestamp,value,anomaly_score for every row, copying the input text unchanged', async () => {
    const input = join(FIXTURES, 'cpu_daily_spikes.csv');
    const output = join(dir, 'out.csv');
    const r = await run(['--input', input, '--output', output]);
    expect(r.code).toBe(0);
    const inLines = readFileSync(input, 'utf8').trim().split('\n');
    const outLines = readFileSync(output, 'utf8').trim().split('\n');
    expect(outLines[0]).toBe('timestamp,value,anomaly_score');
    expect(outLines).toHaveLength(inLines.length);
    for (let i = 1; i < inLines.length; i += 97) expect(outLines[i]!.startsWith(`${inLines[i]},`)).toBe(true);
    const scores = outLines.slice(1).map((l) => Number(l.split(',')[2]));
    expect(scores.every((s) => s >= 0 && s <= 1)).toBe(true);
    expect(Math.max(...scores)).toBeGreaterThan(0.9);
    const summary = JSON.parse(r.stdout) as { rows: number; skipped: number; rows_per_second: number };
    expect(summary.rows).toBe(inLines.length - 1);
    expect(summary.skipped).toBe(0);
    console.log(`score-series: ${summary.rows_per_second} rows/s end to end (CSV in and out)`);
  });

  it('reports unparsable rows with their line number, skips and counts them; empty values score 0', async () => {
    const rows = ['timestamp,value'];
    for (let i = 0; i < 100; i++) rows.push(`${1_700_000_000 + i * 60},${10 + (i % 5)}`);
    rows.splice(5, 0, 'not-a-time,3');
    rows.splice(9, 0, '1700000999,abc');
    rows.splice(12, 0, '1700001234,');
    const input = join(dir, 'broken.csv');
    writeFileSync(input, rows.join('\r\n') + '\r\n');
    const output = join(dir, 'broken-out.csv');
    const r = await run(['--input', input, '--output', output]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('line 6: skipped: unparsable timestamp "not-a-time"');
    expect(r.stderr).toContain('line 10: skipped: unparsable value "abc"');
    expect(JSON.parse(r.stdout)).toMatchObject({ rows: 101, skipped: 2, empty: 1 });
    const out = readFileSync(output, 'utf8');
    expect(out).toContain('1700001234,,0\n');
    expect(out).not.toContain('not-a-time');
  });

  it('fails clearly on a missing file, a bad header and missing arguments', async () => {
    const missing = await run(['--input', join(dir, 'nope.csv'), '--output', join(dir, 'x.csv')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('input file not found');

    const bad = join(dir, 'bad-header.csv');
    writeFileSync(bad, 'time;val\n1,2\n');
    const header = await run(['--input', bad, '--output', join(dir, 'y.csv')]);
    expect(header.code).toBe(1);
    expect(header.stderr).toContain('line 1: expected the header "timestamp,value"');

    const usage = await run(['--input', bad]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--input and --output are required');
    expect((await run(['--bogus'])).code).toBe(2);
  });

  it('reads the timestamp forms series come in, always as UTC', () => {
    const ms = Date.UTC(2014, 3, 1, 12, 5, 0);
    expect(parseTimestamp('2014-04-01 12:05:00')).toBe(ms);
    expect(parseTimestamp('2014-04-01T12:05:00Z')).toBe(ms);
    expect(parseTimestamp('2014-04-01T14:05:00+02:00')).toBe(ms);
    expect(parseTimestamp(String(ms / 1000))).toBe(ms);
    expect(parseTimestamp(String(ms))).toBe(ms);
    expect(parseTimestamp('2014-04-01')).toBe(Date.UTC(2014, 3, 1));
    expect(parseTimestamp('2014-02-31 00:00:00')).toBeUndefined();
    expect(parseTimestamp('yesterday')).toBeUndefined();
  });
});
