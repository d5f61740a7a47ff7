/**
 * A small re-implementation of the Numenta Anomaly Benchmark scoring (standard profile) and the
 * fixture loader for test/fixtures/series. Used by the evaluation tests; not a test file itself.
 *
 * NAB, per file: rows in the first 15% (probation) are ignored. The first detection inside a labeled
 * window earns scaledSigmoid(position) (about 1 at the window start, 0 at its end); later detections in
 * the same window count for nothing; a window without a detection costs A_FN = 1; every detection
 * outside a window costs A_FP = 0.11 times its sigmoid weight (smaller just after a window).
 * Normalized: 100 * (raw - null) / (perfect - null), null = every window missed.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { parseTimestamp } from '../../../../services/cli/score-series.js';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../../../fixtures/series');

export interface LabeledSeries {
  name: string;
  times: number[];
  values: number[];
  /** [startIndex, endIndex] inclusive. */
  windows: Array<[number, number]>;
}

export function loadFixtures(): LabeledSeries[] {
  const labels = JSON.parse(readFileSync(join(FIXTURES, 'labels.json'), 'utf8')) as Record<
    string,
    { windows: Array<[string, string]> }
  >;
  return Object.entries(labels).map(([file, l]) => {
    const lines = readFileSync(join(FIXTURES, file), 'utf8').trim().split('\n').slice(1);
    const times: number[] = [];
    const values: number[] = [];
    for (const line of lines) {
      const [t, v] = line.split(',');
      times.push(parseTimestamp(t!)!);
      values.push(Number(v));
    }
    const index = (ts: string): number => {
      const ms = parseTimestamp(ts)!;
      const i = times.findIndex((t) => t >= ms);
      return i < 0 ? times.length - 1 : i;
    };
    return {
      name: file,
      times,
      values,
      windows: l.windows.map(([a, b]) => [index(a), index(b)] as [number, number]),
    };
  });
}

const A_TP = 1;
const A_FP = 0.11;
const A_FN = 1;

function scaledSigmoid(y: number): number {
  return y > 3 ? -1 : 2 / (1 + Math.exp(5 * y)) - 1;
}

export interface NabResult {
  raw: number;
  perfect: number;
  nullScore: number;
  tpWindows: number;
  windows: number;
  fp: number;
  /** Detections (after probation) outside windows, counted as runs of consecutive rows. */
  fpEvents: number;
}

export function nabScore(scores: number[], windows: Array<[number, number]>, threshold: number): NabResult {
  const n = scores.length;
  const probation = Math.floor(0.15 * n);
  let raw = 0;
  const hit = new Array<boolean>(windows.length).fill(false);
  let fp = 0;
  let fpEvents = 0;
  let prevOutside = false;
  for (let i = probation; i < n; i++) {
    if (!(scores[i]! >= threshold)) {
      prevOutside = false;
      continue;
    }
    const w = windows.findIndex(([a, b]) => i >= a && i <= b);
    if (w >= 0) {
      prevOutside = false;
      if (hit[w]) continue;
      hit[w] = true;
      const [a, b] = windows[w]!;
      const len = b - a + 1;
      raw += A_TP * scaledSigmoid(-(b - i + 1) / len);
      continue;
    }
    fp++;
    if (!prevOutside) fpEvents++;
    prevOutside = true;
    // Weight by the distance after the preceding window (NAB: a detection just after a window is penalized less).
    let before = -1;
    for (let k = 0; k < windows.length; k++) if (windows[k]![1] < i) before = k;
    if (before < 0) raw -= A_FP;
    else {
      const [a, b] = windows[before]!;
      raw += A_FP * scaledSigmoid((i - b) / (b - a + 1));
    }
  }
  const missed = hit.filter((h) => !h).length;
  raw -= A_FN * missed;
  const perfect = windows.reduce((s, [a, b]) => s + A_TP * scaledSigmoid(-(b - a + 1) / (b - a + 1)), 0);
  return {
    raw,
    perfect,
    nullScore: -A_FN * windows.length,
    tpWindows: windows.length - missed,
    windows: windows.length,
    fp,
    fpEvents,
  };
}

/** Corpus-level normalized NAB score (100 = perfect, 0 = as good as never detecting). */
export function normalized(results: NabResult[]): number {
  const raw = results.reduce((s, r) => s + r.raw, 0);
  const perfect = results.reduce((s, r) => s + r.perfect, 0);
  const nul = results.reduce((s, r) => s + r.nullScore, 0);
  return (100 * (raw - nul)) / (perfect - nul);
}

/** The naive baseline: |z| of each value against the mean/std of the previous `window` values, squashed to [0,1]. */
export function rollingZScores(values: number[], window = 288): number[] {
  const out: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const from = Math.max(0, i - window);
    const n = i - from;
    if (n < 30) {
      out.push(0);
      continue;
    }
    let sum = 0;
    let sq = 0;
    for (let k = from; k < i; k++) {
      sum += values[k]!;
      sq += values[k]! * values[k]!;
    }
    const mean = sum / n;
    const sd = Math.sqrt(Math.max(sq / n - mean * mean, 1e-12));
    out.push(1 - Math.exp(-Math.abs(values[i]! - mean) / sd / 4));
  }
  return out;
}

/** Best corpus score over a threshold sweep (how NAB tunes each detector). */
export function bestThreshold(all: Array<{ scores: number[]; windows: Array<[number, number]> }>): {
  threshold: number;
  score: number;
} {
  let best = { threshold: 1, score: -Infinity };
  for (let t = 0.05; t <= 1.0001; t += 0.01) {
    const s = normalized(all.map((x) => nabScore(x.scores, x.windows, t)));
    if (s > best.score) best = { threshold: Number(t.toFixed(2)), score: s };
  }
  return best;
}
