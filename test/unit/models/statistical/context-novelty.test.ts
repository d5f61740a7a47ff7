import { describe, expect, it } from 'vitest';
import { ContextNovelty, defaultContextualConfig } from '../../../../models/statistical/contextual/index.js';
import { developmentCorpus, generateSeries } from '../../../../services/eval/series/corpus.js';
import { noise, stackAlarms } from './binned-helpers.js';

/** The stack's alarms; `novelty` switches the context novelty member. */
const alarms = (s: { times: number[]; values: number[] }, novelty: boolean) =>
  stackAlarms(s, { contextual: { novelty_enabled: novelty } });

describe('context novelty (contextual part)', () => {
  it('learns a repeating pattern, then reads the same values in a new order as new', () => {
    const d = new ContextNovelty({ ...defaultContextualConfig, novelty_smoothing: 1 });
    const pattern = [0, 10, 20, 30, 40, 50, 60, 70];
    let last = NaN;
    for (let i = 0; i < 400; i++) last = d.update(pattern[i % pattern.length]!);
    expect(last).toBe(0);
    // The same eight values, every other one swapped: familiar levels, unfamiliar sequences.
    const shuffled = [10, 0, 30, 20, 50, 40, 70, 60];
    const fresh = shuffled.map((v) => d.update(v));
    expect(Math.max(...fresh)).toBe(1);
  });

  it('keeps its memory bounded on a series that never repeats itself', () => {
    const d = new ContextNovelty({ ...defaultContextualConfig, novelty_max_entries: 256 });
    const r = noise(7);
    for (let i = 0; i < 20_000; i++) d.update(r());
    expect(d.entries).toBeLessThanOrEqual(256);
    expect(d.entries).toBeGreaterThan(0);
  });

  it('returns NaN while its range settles, for non-finite values and when off', () => {
    const d = new ContextNovelty(defaultContextualConfig);
    expect(d.update(1)).toBeNaN();
    expect(d.update(Number.NaN)).toBeNaN();
    const off = new ContextNovelty({ ...defaultContextualConfig, novelty_enabled: false });
    for (let i = 0; i < 100; i++) expect(off.update(i)).toBeNaN();
  });

  it('finds a request rate turning jittery that the stack misses without it', () => {
    // 1,227 samples at 5 minutes of a bursty rate; its noise grows from sample 755, window 694..816.
    const s = generateSeries(600204799, 'spiky_rate', ['variance']);
    const [start, end] = s.windows[0]!;
    const inWindow = (a: Array<[number, string]>): Array<[number, string]> =>
      a.filter(([i]) => i >= start && i <= end);
    expect(inWindow(alarms(s, true))).toEqual([[777, 'contextual']]);
    expect(inWindow(alarms(s, false))).toEqual([]);
  });

  it('adds no alarm on the clean series of every base', () => {
    for (const s of developmentCorpus(1).filter((x) => x.windows.length === 0))
      expect(alarms(s, true).length).toBe(alarms(s, false).length);
  }, 60_000);
});
