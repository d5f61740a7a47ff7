import { describe, expect, it } from 'vitest';
import { LevelAverage } from '../../../../models/statistical/drift/index.js';
import { SeriesDetector, seriesStackConfig } from '../../../../models/statistical/series-stack/index.js';
import { Rng } from '../../../../pipelines/sources/simulator/prng.js';

const STEP = 300_000;

/** A machine temperature read at 0.1 degree through a slow process, warming by `slope` a sample from `at`. */
function sensor(seed: number, length: number, at: number, slope: number): number[] {
  const r = new Rng(seed);
  let x = 0;
  const out: number[] = [];
  for (let i = 0; i < length; i++) {
    x = 0.97 * x + 0.2 * r.normal();
    out.push(Math.round((60 + x + (i >= at ? slope * (i - at) : 0)) * 10) / 10);
  }
  return out;
}

/** Samples at or above 0.5 (after the first 750), as [index, part]. */
function alarms(values: readonly number[], levelEnabled: boolean): Array<[number, string]> {
  const d = new SeriesDetector(seriesStackConfig({ drift: { level_enabled: levelEnabled } }));
  const out: Array<[number, string]> = [];
  values.forEach((v, i) => {
    const s = d.update(i * STEP, v);
    if (i >= 750 && s.score >= 0.5) out.push([i, s.detector]);
  });
  return out;
}

describe('rare level (drift part)', () => {
  it('averages the recent level', () => {
    const a = new LevelAverage(0.5);
    expect(a.update(NaN)).toBeNaN();
    expect(a.update(10)).toBe(10);
    expect(a.update(20)).toBe(15);
    expect(a.update(Infinity)).toBe(15);
  });

  it('finds a slow warming the baseline follows, which the stack misses without it', () => {
    const at = 3000;
    const values = sensor(3, 3600, at, 0.01); // 0.01 degree a sample: 3 degrees in a day at 5 minutes
    const on = alarms(values, true);
    expect(on).toHaveLength(1);
    expect(on[0]![0]).toBeGreaterThan(at);
    expect(on[0]![1]).toBe('drift');
    expect(alarms(values, false)).toEqual([]);
  });
});
