import { describe, expect, it } from 'vitest';
import {
  SeriesDetector,
  STACK_PARTS,
  WINDOW_PARTS,
  seriesStackConfig,
  type SeriesScore,
} from '../../../../models/statistical/series-stack/index.js';
import { noise } from './binned-helpers.js';

const STEP = 300_000;

/** A noisy series with a burst, a level shift and a dip, scored without the refractory period. */
function scored(overrides: Parameters<typeof seriesStackConfig>[0]): SeriesScore[] {
  const d = new SeriesDetector(seriesStackConfig({ refractory_samples: 0, ...overrides }));
  const r = noise(11);
  return Array.from({ length: 3000 }, (_, i) => {
    let v = 100 + 10 * (r() + r() + r());
    if (i >= 1500 && i < 1504) v += 80;
    if (i >= 2000) v += 25;
    if (i === 2600) v -= 60;
    return d.update(i * STEP, v);
  });
}

/** The largest part, its family (true: window parts), and each family's largest part. */
function parts(s: SeriesScore): { top: number; window: boolean; windowMax: number; residualMax: number } {
  let top = 0;
  let window = false;
  for (const k of STACK_PARTS)
    if (s.parts[k] > top) {
      top = s.parts[k];
      window = WINDOW_PARTS.has(k);
    }
  const largest = (w: boolean): number =>
    Math.max(0, ...STACK_PARTS.filter((k) => WINDOW_PARTS.has(k) === w).map((k) => s.parts[k]));
  return { top, window, windowMax: largest(true), residualMax: largest(false) };
}

/** The largest part, and the largest of the other family on this sample (agreement_decay 0). */
function topTwo(s: SeriesScore): [number, number] {
  const p = parts(s);
  return [p.top, p.window ? p.residualMax : p.windowMax];
}

/** Past the stack's warm-up (60 samples), where agreement starts holding the families' parts. */
const WARM = 60;

describe('SeriesDetector agreement of parts', () => {
  it('adds a fraction of the largest part of the other family, and drops weak lone scores', () => {
    const cfg = { agreement_bonus: 0.4, agreement_below: 0.6, agreement_level: 0.05, agreement_decay: 0 };
    const out = scored(cfg);
    let boosted = 0;
    let dropped = 0;
    for (const s of out.slice(100)) {
      const [top, second] = topTwo(s);
      const fused = top > 0 ? Math.min(1, top + cfg.agreement_bonus * second) : 0;
      const expected = fused < cfg.agreement_below && second < cfg.agreement_level ? 0 : fused;
      expect(s.score).toBeCloseTo(expected, 12);
      if (second > 0 && expected > top) boosted++;
      if (top > 0 && expected === 0) dropped++;
    }
    // The series exercises both halves of the rule.
    expect(boosted).toBeGreaterThan(0);
    expect(dropped).toBeGreaterThan(0);
  });

  it("reads the other family's largest part held over recent samples, decaying per sample", () => {
    const cfg = { agreement_bonus: 0.4, agreement_below: 0.6, agreement_level: 0.05, agreement_decay: 0.98 };
    const out = scored(cfg);
    let heldWindow = 0;
    let heldResidual = 0;
    let fromThePast = 0;
    out.slice(WARM).forEach((s) => {
      const p = parts(s);
      heldWindow = Math.max(p.windowMax, heldWindow * cfg.agreement_decay);
      heldResidual = Math.max(p.residualMax, heldResidual * cfg.agreement_decay);
      const other = p.window ? heldResidual : heldWindow;
      const fused = p.top > 0 ? Math.min(1, p.top + cfg.agreement_bonus * other) : 0;
      expect(s.score).toBeCloseTo(fused < cfg.agreement_below && other < cfg.agreement_level ? 0 : fused, 12);
      if (other > (p.window ? p.residualMax : p.windowMax) && p.top > 0) fromThePast++;
    });
    expect(fromThePast).toBeGreaterThan(0);
  });

  it('fuses by the largest part alone when agreement is off', () => {
    const out = scored({ agreement_bonus: 0, agreement_below: 0 });
    for (const s of out.slice(100)) expect(s.score).toBe(topTwo(s)[0]);
    expect(out.some((s) => s.score >= 0.5)).toBe(true);
  });
});
