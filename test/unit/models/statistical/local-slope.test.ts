import { describe, expect, it } from 'vitest';
import { LocalSlope } from '../../../../models/statistical/drift/index.js';
import { developmentCorpus, generateSeries } from '../../../../services/eval/series/corpus.js';
import { stackAlarms } from './binned-helpers.js';

/**
 * The stack's alarms; `slopeSamples` 0 switches the local slope off (and the long slope, which sees the same
 * ramps later, and the rare level's delay, which counts only while the local slope climbs).
 */
const alarms = (s: { times: number[]; values: number[] }, slopeSamples?: number) =>
  stackAlarms(
    s,
    slopeSamples === undefined
      ? {}
      : {
          drift: {
            slope_samples: slopeSamples,
            slope_long_samples: slopeSamples,
            ...(slopeSamples === 0 ? { level_delay: 0 } : {}),
          },
        },
  );

describe('local slope (drift part)', () => {
  it('measures the slope over its window in scales, and starts afresh when the cycle basis changes', () => {
    const s = new LocalSlope(4);
    expect(s.update(0, 1)).toBeNaN();
    expect(s.update(1, 1)).toBeNaN();
    expect(s.update(2, 1)).toBeNaN();
    // Newer half (2, 3) minus older half (0, 1), per half: 2 scales.
    expect(s.update(3, 1)).toBe(2);
    expect(s.update(4, 2)).toBe(1);
    expect(s.update(2, 1)).toBe(0.5); // (4 + 2) - (2 + 3) over 2
    // A daily cycle became ready: the step between the two deseasonalized bases is no slope.
    expect(s.update(100, 1, 1)).toBeNaN();
    for (const x of [100, 100, 100]) s.update(x, 1, 1);
    expect(s.update(100, 1, 1)).toBe(0);
  });

  it('finds a trend on a young latency series (before the rare level counts) that the stack misses without it', () => {
    // 1,445 samples at 5 minutes; a trend from sample 1054, inside a window of 982..1126.
    const s = generateSeries(3137749266, 'latency', ['trend']);
    const [start, end] = s.windows[0]!;
    const inWindow = (a: Array<[number, string]>): Array<[number, string]> =>
      a.filter(([i]) => i >= start && i <= end);
    expect(inWindow(alarms(s))).toEqual([[1083, 'drift']]);
    expect(inWindow(alarms(s, 0))).toEqual([]);
  });

  it('adds no alarm on the clean series of every base (one alarm comes a sample earlier, as drift)', () => {
    for (const s of developmentCorpus(1).filter((x) => x.windows.length === 0))
      expect(alarms(s).length).toBe(alarms(s, 0).length);
  }, 60_000);
});
