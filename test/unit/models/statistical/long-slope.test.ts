import { describe, expect, it } from 'vitest';
import { developmentCorpus, generateSeries } from '../../../../services/eval/series/corpus.js';
import { stackAlarms } from './binned-helpers.js';

/**
 * The stack's alarms; `longSamples` 0 switches the long local slope off (and the rare level's delay, which
 * finds this trend as well).
 */
const alarms = (s: { times: number[]; values: number[] }, longSamples?: number) =>
  stackAlarms(
    s,
    longSamples === undefined ? {} : { drift: { slope_long_samples: longSamples, level_delay: 0 } },
  );

describe('long local slope (drift part)', () => {
  it('finds a slow trend on a cloud CPU series that the stack misses without it', () => {
    // 3,979 samples; a lasting ramp from sample 2292, inside a window of 2094..2490.
    const s = generateSeries(1045156434, 'cloud_cpu', ['trend']);
    const [start, end] = s.windows[0]!;
    const inWindow = (a: Array<[number, string]>): Array<[number, string]> =>
      a.filter(([i]) => i >= start && i <= end);
    const found = inWindow(alarms(s));
    expect(found.length).toBe(1);
    expect(found[0]![1]).toBe('drift');
    expect(found[0]![0]).toBeGreaterThan(2292);
    expect(inWindow(alarms(s, 0))).toEqual([]);
  });

  it('adds no alarm on the clean series of every base', () => {
    for (const s of developmentCorpus(1).filter((x) => x.windows.length === 0))
      expect(alarms(s).length).toBeLessThanOrEqual(alarms(s, 0).length);
  }, 120_000);
});
