import { describe, expect, it } from 'vitest';
import { DelayLine } from '../../../../models/statistical/drift/delay.js';
import { developmentCorpus, generateSeries } from '../../../../services/eval/series/corpus.js';
import { firstWindowAlarms, stackAlarms } from './binned-helpers.js';

/** The long slope as it was before: every remembered slope learned at once, no short-slope condition. */
const AT_ONCE = { drift: { slope_long_delay: 0, slope_long_agree: false } };

describe('long slope remembered after a delay, counted while the short slope agrees', () => {
  it('finds a lasting trend on a young error-count series that the stack missed before', () => {
    // 4,048 samples; a ramp from sample 855, window 653..1057: the long slope's history learned the
    // ramp's first slopes and judged the later ones ordinary (drift part at most 0.49 in the window).
    const s = generateSeries(3655201832, 'error_count', ['trend']);
    const found = firstWindowAlarms(s);
    expect(found.length).toBe(1);
    expect(found[0]![1]).toBe('drift');
    expect(found[0]![0]).toBeGreaterThan(855);
    expect(firstWindowAlarms(s, AT_ONCE)).toEqual([]);
    expect(firstWindowAlarms(s, { drift: { slope_long_delay: 0 } })).toEqual([]);
  });

  it('keeps a clean cloud CPU series quiet: its wandering long slope counts only with the short one', () => {
    const s = generateSeries(61947555, 'cloud_cpu', []);
    expect(stackAlarms(s, { drift: { slope_long_agree: false } }).some(([, p]) => p === 'drift')).toBe(true);
    expect(stackAlarms(s).some(([, p]) => p === 'drift')).toBe(false);
  });

  it('adds no alarm on the clean series of every base', () => {
    for (const s of developmentCorpus(1).filter((x) => x.windows.length === 0))
      expect(stackAlarms(s).length).toBeLessThanOrEqual(stackAlarms(s, AT_ONCE).length);
  }, 120_000);

  it('delays values by its capacity, in order', () => {
    const d = new DelayLine(2);
    expect(d.empty).toBe(true);
    d.push(1);
    d.push(2);
    expect(d.full).toBe(true);
    expect(d.shift()).toBe(1);
    d.push(3);
    expect(d.shift()).toBe(2);
    expect(d.shift()).toBe(3);
    expect(Number.isNaN(d.shift())).toBe(true);
    expect(new DelayLine(0).capacity).toBe(0);
  });
});
