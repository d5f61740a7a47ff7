import { describe, expect, it } from 'vitest';
import { developmentCorpus, generateSeries } from '../../../../services/eval/series/corpus.js';
import { firstWindowAlarms, stackAlarms } from './binned-helpers.js';

/** The rare level as it was before: every remembered level learned at once, no slope condition. */
const AT_ONCE = { drift: { level_delay: 0, level_agree: false } };
/** The daily shape (added later) finds this trend from day 6 too: off where the rare level alone is judged. */
const NO_SHAPE = { variance: { shape_enabled: false } };

describe('rare level remembered after a delay, counted while the short slope climbs towards it', () => {
  it('finds a lasting trend on a spiky request rate that the stack missed before', () => {
    // 3,909 samples; a ramp from sample 1684, window 1489..1879: the long slope's and the rare level's
    // histories took in the ramp's first values, and the drift part fell back while the ramp went on.
    const s = generateSeries(3874762502, 'spiky_rate', ['trend']);
    const found = firstWindowAlarms(s);
    expect(found.length).toBe(1);
    expect(found[0]![1]).toBe('drift');
    expect(found[0]![0]).toBeGreaterThan(1684);
    expect(firstWindowAlarms(s, NO_SHAPE).length).toBe(1);
    expect(firstWindowAlarms(s, { ...AT_ONCE, ...NO_SHAPE })).toEqual([]);
    expect(firstWindowAlarms(s, { drift: { level_delay: 0 }, ...NO_SHAPE })).toEqual([]);
  });

  it('adds no alarm on the clean series of the tuning half', () => {
    for (const s of developmentCorpus(1).filter((x) => x.windows.length === 0))
      expect(stackAlarms(s).length).toBeLessThanOrEqual(stackAlarms(s, AT_ONCE).length);
  }, 120_000);

  it('without the slope condition the delay alarms on a clean wandering cloud CPU series', () => {
    const s = generateSeries(61947555, 'cloud_cpu', []);
    expect(stackAlarms(s, { drift: { level_agree: false } }).some(([, p]) => p === 'drift')).toBe(true);
    expect(stackAlarms(s).some(([, p]) => p === 'drift')).toBe(false);
  });
});
