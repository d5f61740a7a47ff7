import { describe, expect, it } from 'vitest';
import {
  ContextualDetector,
  defaultContextualConfig as defaults,
} from '../../../../models/statistical/contextual/index.js';
const defaultContextualConfig = { ...defaults, enabled: true };
import { calibrated, clean } from './binned-helpers.js';

function scores(values: readonly number[], cfg = defaultContextualConfig): number[] {
  const d = new ContextualDetector(cfg);
  return calibrated(values, (v) => d.update(v));
}

const max = (a: readonly number[]): number => a.reduce((m, x) => Math.max(m, x), 0);

describe('ContextualDetector', () => {
  it('is quiet on a clean series once it has learned it', () => {
    expect(max(scores(clean(1)).slice(300))).toBeLessThan(0.5);
  });

  it('detects a planted level shift, then learns the new level', () => {
    const shifted = clean(3);
    for (let i = 2000; i < shifted.length; i++) shifted[i]! += 40;
    const s = scores(shifted);
    // Alone it reaches about the stack's threshold, and far above anything the clean part scored.
    expect(max(s.slice(2000, 2010))).toBeGreaterThanOrEqual(0.45);
    expect(max(s.slice(2000, 2010))).toBeGreaterThan(max(s.slice(300, 2000)));
    expect(max(s.slice(2600))).toBeLessThan(0.5);
  });

  it('needs no min or max: the same series in other units scores the same', () => {
    const base = clean(4);
    base[2000] = 160;
    const raw = (values: number[]): number[] => {
      const d = new ContextualDetector(defaultContextualConfig);
      return values.map((v) => d.update(v));
    };
    const a = raw(base);
    const b = raw(base.map((v) => v * 1e6 - 3e7));
    for (let i = 0; i < a.length; i++) {
      if (Number.isNaN(a[i])) expect(b[i]).toBeNaN();
      else expect(b[i]).toBeCloseTo(a[i]!, 6);
    }
  });

  it('keeps its memory bounded on a series that never repeats itself', () => {
    const d = new ContextualDetector({ ...defaultContextualConfig, max_entries: 256 });
    let x = 0;
    for (let i = 0; i < 20_000; i++) d.update((x += Math.sin(i * 1.7) * 10));
    expect(d.entries).toBeLessThanOrEqual(256);
    expect(d.entries).toBeGreaterThan(0);
  });

  it('returns NaN while settling and for non-finite values, and nothing when disabled', () => {
    const d = new ContextualDetector(defaultContextualConfig);
    expect(d.update(1)).toBeNaN();
    expect(d.update(Number.NaN)).toBeNaN();
    const off = new ContextualDetector({ ...defaultContextualConfig, enabled: false });
    for (let i = 0; i < 100; i++) expect(off.update(i)).toBeNaN();
  });
});
