import { describe, expect, it } from 'vitest';
import { SeriesDetector, seriesStackConfig } from '../../../../models/statistical/series-stack/index.js';
import { generateSeries } from '../../../../services/eval/series/corpus.js';
import { PROFILES, scoreSeries } from '../../../../services/eval/series/nab-score.js';

/** Windows found and alarms outside them (NAB's count) by a fresh stack on one young series. */
function run(persistLevel: number): { found: number; falseAlarms: number; first: number } {
  // A random walk with a drift from row 964 (window 769-1159): before fuzzy ART and relative entropy are
  // ready, the variance part reaches 0.41 and then 0.59 on consecutive samples and no window part speaks.
  const s = generateSeries(126140274, 'random_walk', ['drift']);
  const d = new SeriesDetector(seriesStackConfig({ agreement_persist_level: persistLevel }));
  const alarms = s.values.map((v, i) => d.update(s.times[i]!, v).score >= 0.5);
  const o = scoreSeries(alarms, s.windows, PROFILES[0]!);
  const [start, end] = s.windows[0]!;
  const first = alarms.findIndex((a, i) => a && i >= start && i <= end);
  return { found: o.detectedWindows, falseAlarms: o.falsePositives, first };
}

describe('agreement from one residual part seen twice while the window family is still learning', () => {
  it('finds a drift on a young random walk that a lone weak score would not report', () => {
    const off = run(0);
    const on = run(0.4);
    expect(off.first).toBe(-1);
    expect(on.first).toBeGreaterThan(0);
    expect(on.first).toBeLessThan(1000);
    expect(on.found).toBe(off.found + 1);
    expect(on.falseAlarms).toBeLessThanOrEqual(off.falseAlarms);
  });
});
