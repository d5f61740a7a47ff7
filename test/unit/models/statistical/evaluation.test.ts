/**
 * Detection quality on the labeled synthetic series in test/fixtures/series (daily cycles, noise,
 * spikes, level shift, variance change, slow drift, weekly cycle, bursty idle series, a clean series),
 * scored the way the Numenta Anomaly Benchmark scores detectors. The bar: clearly better than a naive
 * rolling z-score even when the naive detector gets its best threshold and ours a fixed 0.5.
 */
import { describe, expect, it } from 'vitest';
import { SeriesDetector } from '../../../../models/statistical/series-stack/index.js';
import {
  PROFILES,
  bestThreshold,
  scoreCorpus,
  scoreSeries,
} from '../../../../services/eval/series/nab-score.js';
import { loadFixtures, rollingZScores } from './nab.js';

const STANDARD = PROFILES[0]!;

const THRESHOLD = 0.5;

describe('metric detector stack on labeled series', () => {
  const fixtures = loadFixtures();
  const ours = fixtures.map((f) => {
    const d = new SeriesDetector();
    return {
      name: f.name,
      windows: f.windows,
      scores: f.values.map((v, i) => d.update(f.times[i]!, v).score),
    };
  });
  const results = ours.map((o) => ({
    name: o.name,
    ...scoreSeries(
      o.scores.map((x) => x >= THRESHOLD),
      o.windows,
      STANDARD,
    ),
  }));

  it('beats a naive rolling z-score baseline on the NAB-style score', () => {
    const oursScore = scoreCorpus(ours, STANDARD, THRESHOLD).score;
    const naive = bestThreshold(
      fixtures.map((f) => ({ name: f.name, scores: rollingZScores(f.values), windows: f.windows })),
      STANDARD,
    );
    console.table(
      results.map((r) => ({
        series: r.name,
        windows: r.windows,
        detected: r.detectedWindows,
        falsePositives: r.falsePositives,
        raw: r.raw.toFixed(2),
      })),
    );
    console.log(
      `NAB-style normalized score: ours ${oursScore.toFixed(1)} at ${THRESHOLD}, naive ${naive.score.toFixed(1)} at its best threshold ${naive.threshold}`,
    );
    expect(oursScore).toBeGreaterThan(55);
    expect(oursScore).toBeGreaterThan(naive.score + 20);
  });

  it('finds most anomaly windows (recall) with few false alarms (precision)', () => {
    const windows = results.reduce((s, r) => s + r.windows, 0);
    const detected = results.reduce((s, r) => s + r.detectedWindows, 0);
    const fpEvents = results.reduce((s, r) => s + r.falsePositives, 0);
    const recall = detected / windows;
    const precision = detected / (detected + fpEvents);
    console.log(
      `recall ${detected}/${windows} = ${recall.toFixed(2)}, event precision ${precision.toFixed(2)}`,
    );
    expect(recall).toBeGreaterThanOrEqual(0.7);
    // 7 found, 5 false alarms on these 8 fixtures (two on the all-but-idle disk series): the stack's
    // sustained-departure and quietness tests trade them for fewer false alarms on the much larger
    // development corpus (docs/series-evaluation.md).
    expect(precision).toBeGreaterThanOrEqual(0.55);
  });

  it('raises nothing on a clean seasonal series', () => {
    const clean = ours.find((o) => o.name === 'steady_daily_clean.csv')!;
    expect(clean.scores.filter((s) => s >= THRESHOLD)).toEqual([]);
  });

  it('detects the level shift within a few samples of its onset', () => {
    const f = fixtures.find((x) => x.name === 'requests_level_shift.csv')!;
    const o = ours.find((x) => x.name === f.name)!;
    const [a, b] = f.windows[0]!;
    const onset = Math.round((a + b) / 2);
    const first = o.scores.findIndex((s, i) => i >= onset && s >= THRESHOLD);
    expect(first).toBeGreaterThanOrEqual(onset);
    expect(first - onset).toBeLessThanOrEqual(5);
    // ...and, having reported it, treats the new level as normal within two hours (24 samples).
    expect(o.scores.slice(onset + 24).filter((s) => s >= THRESHOLD).length).toBe(0);
  });
});
