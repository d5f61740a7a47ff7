/** Shared series for the binned detectors' tests: seeded noise and the stack's calibration of a raw score. */
import {
  TailCalibrator,
  defaultCalibrationConfig,
} from '../../../../models/statistical/calibration/index.js';
import { SeriesDetector, seriesStackConfig } from '../../../../models/statistical/series-stack/index.js';

/** Uniform noise in [-0.5, 0.5) from a small LCG (deterministic per seed). */
export function noise(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

/** 100 plus near-normal noise (a sum of four uniforms, standard deviation about 2.9), `length` samples. */
export function clean(seed: number, length = 3000): number[] {
  const r = noise(seed);
  return Array.from({ length }, () => 100 + 5 * (r() + r() + r() + r()));
}

/** Calibrated scores (as the stack computes them) of a detector's raw scores over `values`. */
export function calibrated(values: readonly number[], raw: (v: number) => number): number[] {
  const cal = new TailCalibrator(defaultCalibrationConfig);
  return values.map((v) => cal.update(raw(v)).score);
}

/** The stack's samples at or above 0.5 over a series, as [index, part], with `overrides` to its config. */
export function stackAlarms(
  s: { times: number[]; values: number[] },
  overrides: Parameters<typeof seriesStackConfig>[0] = {},
): Array<[number, string]> {
  const d = new SeriesDetector(seriesStackConfig(overrides));
  const out: Array<[number, string]> = [];
  s.values.forEach((v, i) => {
    const r = d.update(s.times[i]!, v);
    if (r.score >= 0.5) out.push([i, r.detector]);
  });
  return out;
}

/** The stack's alarms inside a labeled series' first window. */
export function firstWindowAlarms(
  s: { times: number[]; values: number[]; windows: ReadonlyArray<readonly [number, number]> },
  overrides: Parameters<typeof seriesStackConfig>[0] = {},
): Array<[number, string]> {
  const [start, end] = s.windows[0]!;
  return stackAlarms(s, overrides).filter(([i]) => i >= start && i <= end);
}
