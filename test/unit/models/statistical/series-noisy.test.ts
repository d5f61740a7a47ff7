import { describe, expect, it } from 'vitest';
import { SeriesDetector, seriesStackConfig } from '../../../../models/statistical/series-stack/index.js';
import { NoisyParts } from '../../../../models/statistical/series-stack/noisy-parts.js';
import { generateSeries } from '../../../../services/eval/series/corpus.js';
import { PROFILES, scoreSeries } from '../../../../services/eval/series/nab-score.js';

/** Alarms of a fresh stack on one series: windows found and alarms outside them (NAB's count). */
function run(noisyEpisodes: number): { found: number; falseAlarms: number } {
  // A heavy-tailed latency series (5-minute means with benign outliers) and a labeled flatline.
  const s = generateSeries(3943268453, 'latency', ['flatline']);
  // The burst tail (spike.burst_tail_threshold) also quiets these outliers: off, to see noisy parts alone.
  const d = new SeriesDetector(
    seriesStackConfig({ noisy_episodes: noisyEpisodes, spike: { burst_tail_threshold: 0 } }),
  );
  const alarms = s.values.map((v, i) => d.update(s.times[i]!, v).score >= 0.5);
  const o = scoreSeries(alarms, s.windows, PROFILES[0]!);
  return { found: o.detectedWindows, falseAlarms: o.falsePositives };
}

describe('noisy parts: a part that keeps alarming in one direction needs a higher score there', () => {
  it('alarms less on the benign outliers of a heavy-tailed series and still finds its anomaly', () => {
    const off = run(0);
    const on = run(2);
    expect(off).toEqual({ found: 1, falseAlarms: 6 });
    expect(on.found).toBe(1);
    expect(on.falseAlarms).toBeLessThanOrEqual(3);
  });

  it('counts rises and drops apart, and a score wobbling about the alarm level as one alarm', () => {
    const p = new NoisyParts(1, 3, 0.5, 0.8, 150);
    expect(p.judge(0, false, 0.6, 100)).toBe(0.6);
    expect(p.judge(0, false, 0.6, 400)).toBe(0.6);
    // Back above the alarm level within 150 samples of the last alarming score: the same alarm.
    expect(p.judge(0, false, 0.4, 401)).toBe(0.4);
    expect(p.judge(0, false, 0.6, 402)).toBe(0.6);
    expect(p.judge(0, false, 0.6, 800)).toBe(0.6); // the third
    // From then on rises need 0.8 to reach 0.5 (continuous: below scaled, above linear up to 1).
    expect(p.judge(0, false, 0.6, 1200)).toBeCloseTo(0.375);
    expect(p.judge(0, false, 0.9, 1600)).toBeCloseTo(0.75);
    expect(p.judge(0, false, 1, 2000)).toBe(1);
    // Drops are counted apart: the first drop is judged as before.
    expect(p.judge(0, true, 0.6, 2400)).toBe(0.6);
  });
});
