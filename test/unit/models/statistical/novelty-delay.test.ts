import { describe, expect, it } from 'vitest';
import { TailCalibrator } from '../../../../models/statistical/calibration/tail-calibrator.js';
import { defaultCalibrationConfig } from '../../../../models/statistical/calibration/config.js';
import { defaultContextualConfig } from '../../../../models/statistical/contextual/config.js';
import { NoveltyJudge } from '../../../../models/statistical/contextual/novelty-judge.js';
import { developmentCorpus, generateSeries } from '../../../../services/eval/series/corpus.js';
import { stackAlarms } from './binned-helpers.js';

/** Context novelty as it was before: every raw score learned at once, no quiet after a departure. */
const AT_ONCE = { contextual: { novelty_delay: 0 } };

describe('context novelty remembered after a delay', () => {
  it('finds a sawtooth turning rough that the stack missed before', () => {
    // 2,439 samples; the sawtooth's noise grows from sample 575 (window 515..635): novelty's history
    // learned the change's first shares of new contexts and judged the later ones ordinary.
    const s = generateSeries(2898888359, 'sawtooth', ['variance', 'variance']);
    const [start, end] = s.windows[0]!;
    const inWindow = (a: Array<[number, string]>) => a.filter(([i]) => i >= start && i <= end);
    const found = inWindow(stackAlarms(s));
    expect(found.length).toBe(1);
    expect(found[0]![1]).toBe('contextual');
    expect(found[0]![0]).toBeGreaterThan(575);
    expect(inWindow(stackAlarms(s, AT_ONCE))).toEqual([]);
  });

  it('adds no alarm on the clean series of every base (quiet after a lone spike, learned at once while young)', () => {
    for (const s of developmentCorpus(1).filter((x) => x.windows.length === 0))
      expect(stackAlarms(s).length).toBeLessThanOrEqual(stackAlarms(s, AT_ONCE).length);
  }, 120_000);

  it('learns each raw score novelty_delay samples late, at once when flushed, and stays quiet after a departure', () => {
    const cfg = { ...defaultContextualConfig, novelty_delay: 3, novelty_warmup: 0, novelty_orders: 2 };
    const judge = new NoveltyJudge(cfg, 4);
    const cal = new TailCalibrator(defaultCalibrationConfig);
    for (let i = 1; i <= 200; i++) judge.score(cal, (i % 10) / 10, 0, i, false);
    // Three values wait: a fourth, higher one learned now would be judged against itself.
    const before = cal.calibrateScore(5);
    for (let i = 201; i <= 203; i++) expect(judge.score(cal, 5, 0, i, false)).toBeGreaterThanOrEqual(before);
    expect(cal.calibrateScore(5)).toBe(before);
    judge.score(cal, 5, 0, 204, true);
    expect(cal.calibrateScore(5)).toBeLessThan(before);
    // A departure (|z| beyond 4) silences the next novelty_orders samples.
    expect(judge.score(cal, 9, 6, 205, false)).toBe(0);
    expect(judge.score(cal, 9, 0, 207, false)).toBe(0);
    expect(judge.score(cal, 9, 0, 208, false)).toBeGreaterThan(0);
  });
});
