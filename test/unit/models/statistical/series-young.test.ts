/**
 * A young series: anomalies in a series' first few hundred samples are found. Its baseline's start-up
 * transients stay out of the calibration histories (`calibration_start`), and a young history does not
 * call the edge of ordinary noise rare (the calibrators' young-tail widening).
 */
import { describe, expect, it } from 'vitest';
import { SeriesDetector, seriesStackConfig } from '../../../../models/statistical/series-stack/index.js';
import { noise } from './binned-helpers.js';

const STEP = 300_000;

/** 20 young series (a slow wave plus noise), each with one spike at sample 400. */
function youngSeries(): number[][] {
  return Array.from({ length: 20 }, (_, k) => {
    const r = noise(k + 1);
    const values = Array.from({ length: 800 }, (_, i) => 50 + 10 * Math.sin(i / 40) + 4 * (r() + r() + r()));
    values[400]! += 40;
    return values;
  });
}

function outcome(overrides: Parameters<typeof seriesStackConfig>[0]): { found: number; falseAlarms: number } {
  let found = 0;
  let falseAlarms = 0;
  for (const values of youngSeries()) {
    const d = new SeriesDetector(seriesStackConfig(overrides));
    const scores = values.map((v, i) => d.update(i * STEP, v).score);
    if (scores[400]! >= 0.5) found++;
    falseAlarms += scores.filter((s, i) => s >= 0.5 && i !== 400).length;
  }
  return { found, falseAlarms };
}

describe('SeriesDetector on a young series', () => {
  it('finds a spike in its first 400 samples, which start-up transients in the calibration hid', () => {
    const now = outcome({});
    expect(now.found).toBeGreaterThanOrEqual(17);
    expect(now.falseAlarms).toBeLessThanOrEqual(8); // over 16,000 samples
    // Calibrating from sample 12, the baseline's start-up residuals (z of 10 to 40) sat in every history.
    expect(outcome({ calibration_start: 12 }).found).toBeLessThanOrEqual(14);
  });

  it('stays quiet on clean noise while its calibration histories are young', () => {
    let alarms = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const r = noise(seed);
      const d = new SeriesDetector(seriesStackConfig({}));
      for (let i = 0; i < 600; i++) if (d.update(i * STEP, 100 + 10 * r()).score >= 0.5) alarms++;
    }
    expect(alarms).toBeLessThanOrEqual(2);
  });
});
