import { describe, expect, it } from 'vitest';
import { developmentCorpus, generateSeries } from '../../../../services/eval/series/corpus.js';
import { stackAlarms } from './binned-helpers.js';

const OFF = { variance: { shape_enabled: false } };
/** Context novelty's delay (added beside the daily shape) finds the same change, 35 samples before its window ends. */
const NEITHER = { ...OFF, contextual: { novelty_delay: 0 } };

describe('daily shape: a changed daily pattern against the days before it', () => {
  it('finds a daily pattern moved by 8 hours on a spiky request rate, early in its window', () => {
    // 5,489 five-minute samples; the daily cycle moves 8 hours later and swings 1.5 times wider from sample
    // 3724 (window 3450..3998). The baseline followed it through nine confirmed level shifts in the window,
    // and its growing scale kept every residual within 2.6.
    const s = generateSeries(2048706010, 'spiky_rate', ['seasonal_change']);
    const [start, end] = s.windows[0]!;
    const inWindow = (a: Array<[number, string]>) => a.filter(([i]) => i >= start && i <= end);
    const found = inWindow(stackAlarms(s));
    expect(found.length).toBe(1);
    expect(found[0]![1]).toBe('drift');
    expect(found[0]![0]).toBeGreaterThan(3724);
    // Without it: found only near the window's end (a small reward), or not at all.
    const without = inWindow(stackAlarms(s, OFF));
    expect(without.length).toBeLessThanOrEqual(1);
    expect(without[0]?.[0] ?? Infinity).toBeGreaterThan(found[0]![0] + 100);
    expect(inWindow(stackAlarms(s, NEITHER))).toEqual([]);
  });

  it('stays quiet on a clean diurnal rate at its first weekend (counted from day 7 only)', () => {
    const s = generateSeries(1772319500, 'diurnal_rate', []);
    const early = { variance: { shape_start_days: 0, shape_min_strength: 0 } };
    const drift = (a: Array<[number, string]>) => a.filter(([, p]) => p === 'drift').length;
    expect(drift(stackAlarms(s, early))).toBeGreaterThan(drift(stackAlarms(s, OFF)));
    expect(drift(stackAlarms(s))).toBe(drift(stackAlarms(s, OFF)));
  });

  it('adds no alarm on the clean series of the tuning half', () => {
    for (const s of developmentCorpus(1).filter((x) => x.windows.length === 0))
      expect(stackAlarms(s).length).toBeLessThanOrEqual(stackAlarms(s, OFF).length);
  }, 120_000);
});
