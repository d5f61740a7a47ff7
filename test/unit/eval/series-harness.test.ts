/**
 * The series evaluation harness (`npm run eval:series`): NAB's scoring rules, the development corpus,
 * and reading a corpus laid out like NAB's repository.
 */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  PROFILES,
  normalizedScore,
  probationRows,
  scoreSeries,
  windowsAround,
} from '../../../services/eval/series/nab-score.js';
import { ANOMALIES, BASES, developmentCorpus, generateSeries } from '../../../services/eval/series/corpus.js';
import {
  evaluateCorpus,
  loadNabLayout,
  renderReport,
} from '../../../services/eval/series/evaluate-series.js';

const [STANDARD, LOW_FP, LOW_FN] = PROFILES as [
  (typeof PROFILES)[0],
  (typeof PROFILES)[0],
  (typeof PROFILES)[0],
];

function detectionsAt(length: number, rows: number[]): boolean[] {
  const d = new Array<boolean>(length).fill(false);
  for (const r of rows) d[r] = true;
  return d;
}

describe('NAB scoring', () => {
  const n = 2000;
  const windows = windowsAround([1000], n); // 200 rows wide, centred on row 1000

  it('makes windows 10% of the series long, shared among its anomalies, centred on each', () => {
    expect(windows).toEqual([[900, 1100]]);
    expect(windowsAround([500, 1500], n)).toEqual([
      [450, 550],
      [1450, 1550],
    ]);
    // As NAB's labeler: clipped at the series' ends (not shifted), overlapping windows merged.
    expect(windowsAround([30], n)).toEqual([[0, 130]]);
    expect(windowsAround([1000, 1050], n)).toEqual([[950, 1100]]);
    expect(probationRows(2000)).toBe(300);
    expect(probationRows(10_000)).toBe(750);
  });

  it('rewards a detection at the start of a window fully and one at its end hardly at all', () => {
    const early = scoreSeries(detectionsAt(n, [900]), windows, STANDARD);
    const late = scoreSeries(detectionsAt(n, [1100]), windows, STANDARD);
    expect(early.raw).toBeCloseTo(1, 6);
    expect(late.raw).toBeGreaterThan(-0.05);
    expect(late.raw).toBeLessThan(0.05);
    expect(normalizedScore([early])).toBeCloseTo(100, 4);
  });

  it('counts only the first detection in a window', () => {
    const many = scoreSeries(detectionsAt(n, [950, 960, 970, 1000]), windows, STANDARD);
    const one = scoreSeries(detectionsAt(n, [950]), windows, STANDARD);
    expect(many.raw).toBe(one.raw);
    expect(many.falsePositives).toBe(0);
  });

  it('charges a miss the profile miss weight and detecting nothing scores 0', () => {
    const none = scoreSeries(detectionsAt(n, []), windows, STANDARD);
    expect(none.raw).toBe(-1);
    expect(scoreSeries(detectionsAt(n, []), windows, LOW_FN).raw).toBe(-2);
    expect(normalizedScore([none])).toBe(0);
  });

  it('charges false positives by profile, less right after a window, and ignores probation', () => {
    const far = scoreSeries(detectionsAt(n, [500]), windows, STANDARD);
    expect(far.falsePositives).toBe(1);
    expect(far.raw).toBeCloseTo(-1 - 0.11, 6);
    expect(scoreSeries(detectionsAt(n, [500]), windows, LOW_FP).raw).toBeCloseTo(-1 - 0.22, 6);
    const justAfter = scoreSeries(detectionsAt(n, [900, 1105]), windows, STANDARD);
    expect(justAfter.raw).toBeGreaterThan(1 - 0.11);
    expect(scoreSeries(detectionsAt(n, [10]), windows, STANDARD).falsePositives).toBe(0);
  });
});

describe('development corpus', () => {
  it('is a pure function of its seed, covers every anomaly kind, and labels after probation', () => {
    const a = developmentCorpus(3);
    const b = developmentCorpus(3);
    expect(a.map((s) => s.values.slice(0, 50))).toEqual(b.map((s) => s.values.slice(0, 50)));
    for (const kind of ANOMALIES) expect(a.some((s) => s.name.includes(kind))).toBe(true);
    for (const base of BASES) expect(a.some((s) => s.name.startsWith(base + '_'))).toBe(true);
    // Different seeds give different series (the tuning and held-out halves share no series).
    expect(developmentCorpus(4)[0]!.values.slice(0, 50)).not.toEqual(a[0]!.values.slice(0, 50));
    expect(a.some((s) => s.windows.length === 0)).toBe(true);
    for (const s of a) {
      for (const onset of s.onsets) expect(onset).toBeGreaterThanOrEqual(probationRows(s.values.length));
      expect(s.values.every(Number.isFinite)).toBe(true);
    }
  });

  it('has an autoscaled base whose benign replica changes step the level while the anomaly is labeled once', () => {
    const s = generateSeries(21, 'autoscaled', []);
    expect(s.windows).toEqual([]);
    const steps = s.values.slice(1).filter((v, i) => Math.abs(v - s.values[i]!) > 0.15 * s.values[i]!);
    expect(steps.length).toBeGreaterThan(0);
  });

  it('has a traffic sensor base whose readings arrive with gaps, its anomaly onset kept and labeled', () => {
    const s = generateSeries(5, 'traffic_sensor', ['level_shift']);
    const spacing = s.times.slice(1).map((t, i) => t - s.times[i]!);
    const step = Math.min(...spacing);
    // Single lost readings and outages: some steps span two intervals, some many.
    expect(spacing.filter((d) => d === 2 * step).length).toBeGreaterThan(10);
    expect(Math.max(...spacing)).toBeGreaterThanOrEqual(4 * step);
    expect(s.times.length).toBe(s.values.length);
    const [onset] = s.onsets;
    expect(s.windows).toEqual(windowsAround([onset!], s.values.length));
    // A regular base keeps every reading.
    const regular = generateSeries(5, 'cpu', ['level_shift']);
    expect(new Set(regular.times.slice(1).map((t, i) => t - regular.times[i]!)).size).toBe(1);
  });

  it('scores a level shift the stack finds above a corpus where it finds nothing', () => {
    const shift = generateSeries(14, 'diurnal_rate', ['level_shift']);
    const report = evaluateCorpus('one level shift', [shift]);
    const standard = report.fixed.find((f) => f.profile === 'standard')!;
    expect(standard.detectedWindows).toBe(1);
    expect(standard.score).toBeGreaterThan(50);
    expect(renderReport([report])).toContain('| standard |');
  });
});

describe('NAB-layout corpus', () => {
  it('reads category folders of timestamp,value CSVs and windows from a combined-windows file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nab-layout-'));
    mkdirSync(join(dir, 'realTraffic'));
    const rows = ['timestamp,value'];
    for (let i = 0; i < 400; i++) {
      const t = new Date(Date.UTC(2015, 8, 1) + i * 300_000).toISOString().slice(0, 19).replace('T', ' ');
      rows.push(`${t},${i >= 300 ? 500 : 100 + (i % 7)}`);
    }
    writeFileSync(join(dir, 'realTraffic', 'speed_1.csv'), rows.join('\n') + '\n');
    writeFileSync(join(dir, 'realTraffic', 'unlabeled.csv'), 'timestamp,value\n');
    const labels = join(dir, 'combined_windows.json');
    writeFileSync(
      labels,
      JSON.stringify({
        'realTraffic/speed_1.csv': [['2015-09-02 00:00:00.000000', '2015-09-02 02:00:00.000000']],
      }),
    );
    const corpus = loadNabLayout(dir, labels);
    expect(corpus.map((s) => s.name)).toEqual(['realTraffic/speed_1.csv']);
    expect(corpus[0]!.values).toHaveLength(400);
    expect(corpus[0]!.windows).toEqual([[288, 312]]);
  });
});
