import { describe, expect, it } from 'vitest';
import { SpikeDetector, defaultSpikeConfig } from '../../../../models/statistical/spike/index.js';
import {
  TailCalibrator,
  defaultCalibrationConfig,
} from '../../../../models/statistical/calibration/index.js';
import { SeriesDetector, seriesStackConfig } from '../../../../models/statistical/series-stack/index.js';
import { noise } from './binned-helpers.js';

describe('SpikeDetector step check', () => {
  function warmed(): { d: SpikeDetector; last: number } {
    const d = new SpikeDetector(defaultSpikeConfig);
    const r = noise(1);
    let last = 0;
    for (let i = 0; i < 200; i++) d.update(r(), (last = 100 + 10 * r()));
    return { d, last };
  }

  it('keeps z for a jump and zeroes it when the step is ordinary or points the other way', () => {
    const a = warmed();
    const jump = a.d.update(8, a.last + 60); // far off and a jump: the smaller of the two, same sign
    expect(jump.z).toBe(8);
    expect(jump.stepped).toBeGreaterThan(3);
    expect(jump.stepped).toBeLessThanOrEqual(8);
    const b = warmed();
    expect(b.d.update(8, b.last + 0.5).stepped).toBeLessThan(0.3); // far off, ordinary step (a lagging baseline)
    const c = warmed();
    expect(c.d.update(8, c.last - 30).stepped).toBe(0); // far above the baseline while falling
  });

  it('is skipped (NaN) when step_check is off, and honours direction', () => {
    const off = new SpikeDetector({ ...defaultSpikeConfig, step_check: false });
    expect(off.update(5, 1).stepped).toBeNaN();
    const up = new SpikeDetector({ ...defaultSpikeConfig, direction: 'up' });
    expect(up.update(-5, 1).z).toBe(0);
  });

  it('gates the spike part in the stack: a lone outlier still scores, with and without the gate', () => {
    const r = noise(8);
    const values = Array.from({ length: 700 }, () => 100 + 10 * r());
    values[500] = 120;
    for (const spike of [{}, { step_check: false }, { step_gate: false }]) {
      const d = new SeriesDetector(seriesStackConfig({ spike }));
      const scored = values.map((v, i) => d.update(i * 300_000, v));
      expect(scored[500]!.parts.spike).toBeGreaterThan(0.3);
      // Ordinary noise never alarms. (Its spike part may: its calibration history is young, and a lone
      // weak part needs the other family's support to stand.)
      expect(Math.max(...scored.slice(100, 500).map((s) => s.score))).toBeLessThan(0.5);
    }
  });
});

describe('TailCalibrator pareto tail', () => {
  it('judges a value far beyond a heavy-tailed history as less rare than the exponential tail does', () => {
    const r = noise(3);
    const history = Array.from({ length: 1000 }, () => 1 / (r() + 0.5 + 1e-3)); // Pareto-like, index 1
    const exp = new TailCalibrator(defaultCalibrationConfig);
    const par = new TailCalibrator({ ...defaultCalibrationConfig, tail: 'pareto' });
    for (const h of history) {
      exp.update(h);
      par.update(h);
    }
    const far = 5 * Math.max(...history);
    expect(par.calibrate(far).tail).toBeGreaterThan(exp.calibrate(far).tail);
    expect(par.calibrate(far).tail).toBeLessThanOrEqual(1 / 1001);
    // Inside the history both read the same empirical tail.
    expect(par.calibrate(history[0]! * 0.5).tail).toBe(exp.calibrate(history[0]! * 0.5).tail);
  });
});
