import { describe, expect, it } from 'vitest';
import { SeriesDetector, seriesStackConfig } from '../../../../models/statistical/series-stack/index.js';
import { noise } from './binned-helpers.js';

const STEP = 300_000;

/** A noisy series with lone one-sample bursts; the fuzzy ART part on the sample after each burst. */
function artAfterBursts(returnDeparture: number): number[] {
  const d = new SeriesDetector(
    seriesStackConfig({ refractory_samples: 0, return_departure: returnDeparture }),
  );
  const r = noise(5);
  const bursts = [1200, 1700, 2300, 2800];
  const out: number[] = [];
  for (let i = 0; i < 3000; i++) {
    const v = 100 + 10 * (r() + r() + r()) + (bursts.includes(i) ? 90 : 0);
    const s = d.update(i * STEP, v);
    if (bursts.includes(i - 1) && Math.abs(s.z) < 2.5) out.push(s.parts.art);
  }
  return out;
}

describe('return from a lone departure', () => {
  it('gives no fuzzy ART score to the ordinary sample right after a burst (it was judged already)', () => {
    const on = artAfterBursts(4);
    const off = artAfterBursts(0);
    expect(on.length).toBeGreaterThan(0);
    expect(on.every((a) => a === 0)).toBe(true);
    expect(Math.max(...off)).toBeGreaterThan(0); // without the rule the window part sees the burst again
  });
});
