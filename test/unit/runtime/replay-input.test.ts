/**
 * `replay` reads its input in 1 MiB chunks and cuts lines on bytes: lines cut by a chunk boundary, a
 * character cut in the middle of its UTF-8 bytes, CRLF endings and non-ASCII text must all come out as
 * the lines that were written.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../config/validate.js';
import { simulateInto } from '../../../pipelines/sources/simulator/index.js';
import { replay } from '../../../services/cli/replay.js';

const dir = mkdtempSync(join(tmpdir(), 'meshguard-replay-input-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const CHUNK = 1 << 20;

describe('replay input', () => {
  it('reads lines across chunk boundaries, with a multi-byte character cut by one, CRLF and non-ASCII', async () => {
    const lines: string[] = [];
    simulateInto(
      {
        seed: 5,
        startMs: Date.parse('2026-11-02T08:00:00Z'),
        durationMs: 120_000,
        services: 10,
        ratePerSec: 20,
        scenarios: [],
        benign: [],
      },
      (line) => lines.push(line),
    );
    // Every third record asks for a non-ASCII path; every fifth line ends in CRLF.
    const records = lines.map((line, i) => {
      if (i % 3 !== 0) return line;
      const o = JSON.parse(line) as Record<string, unknown>;
      o.path = `/catalogue/crème-brûlée/${i}`;
      return JSON.stringify(o);
    });
    // Not an access log, so it is rejected and written out as read: its "ü" is placed across the boundary.
    const bad = '{"message":"not an access log: Grüße"}';
    const middle = Math.floor(records.length / 2);
    records.splice(middle, 0, bad);
    const text = (pad: number) =>
      records
        .map((r, i) => (i === 0 ? `{${' '.repeat(pad)}${r.slice(1)}` : r) + (i % 5 ? '\n' : '\r\n'))
        .join('');
    const at =
      Buffer.byteLength(text(0).slice(0, text(0).indexOf(bad))) + Buffer.byteLength(bad.split('ü')[0]!);
    expect(at).toBeLessThan(3 * CHUNK);
    expect(at).toBeGreaterThan(CHUNK);
    // Shift the file so the first byte of "ü" is the last byte of a chunk.
    const boundary = Math.ceil(at / CHUNK) * CHUNK;
    const content = Buffer.from(text(boundary - 1 - at));
    expect(content.subarray(boundary - 1, boundary + 1).toString('utf8')).toBe('ü');

    const input = join(dir, 'input.jsonl');
    writeFileSync(input, content);
    const cfg = resolveConfig({
      log_level: 'silent',
      neural: { enabled: false },
      alerts: { channels: [] },
      quarantine: { sink: 'none' },
    });
    const rejectedPath = join(dir, 'rejected.jsonl');
    const result = await replay(cfg, {
      input,
      format: 'auto',
      incidentsPath: join(dir, 'incidents.jsonl'),
      rejectedPath,
    });
    expect(result.events).toBe(records.length - 1);
    expect(result.rejected).toBe(1);
    const rejected = JSON.parse(readFileSync(rejectedPath, 'utf8').trim()) as {
      line: number;
      record: string;
    };
    expect(rejected.record).toBe(bad);
    expect(rejected.line).toBe(middle + 1);
  });
});
