/**
 * The fixture loader for test/fixtures/series, a naive baseline detector and a deterministic noise
 * source, for the statistical-model tests
 * (the NAB scoring itself is services/eval/series/nab-score.ts). Not a test file itself.
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

/** Deterministic, close-to-normal noise (sum of 12 uniforms minus 6), for calibration and model tests. */
export function normalish(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    let t = 0;
    for (let i = 0; i < 12; i++) {
      s = (s * 1664525 + 1013904223) >>> 0;
      t += s / 2 ** 32;
    }
    return t - 6;
  };
}
