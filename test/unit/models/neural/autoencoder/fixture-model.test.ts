/**
 * A model saved by `meshguard train` (test/fixtures/models/autoencoder-tiny) must keep loading and
 * scoring the same way: a change to scaling, calibration or the file format that would silently change
 * what users' saved models mean fails here. Regenerate the fixture only for a deliberate format change
 * (test/fixtures/models/README.md).
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { AutoencoderDetector } from '../../../../../models/neural/autoencoder/index.js';

const fixtures = fileURLToPath(new URL('../../../../fixtures/models/', import.meta.url));

interface Expected {
  row: number[];
  score: number;
  error: number;
  top: string;
}

describe('the saved fixture model', () => {
  it('loads and scores its recorded probe rows as when it was saved', async () => {
    const expected = JSON.parse(
      await readFile(`${fixtures}autoencoder-tiny-expected.json`, 'utf8'),
    ) as Record<string, Expected[]>;
    const detector = await AutoencoderDetector.create({
      logger: pino({ level: 'silent' }),
      modelDir: `${fixtures}autoencoder-tiny`,
    });
    try {
      expect(detector.trained).toBe(true);
      expect(detector.metadata?.training.rows).toBe(300);
      for (const [kind, probes] of Object.entries(expected)) {
        const got = detector.scoreBatch(probes.map((p) => p.row));
        probes.forEach((p, i) => {
          // Backends differ in the last float32 bits, hence closeness rather than equality.
          expect(got[i]!.error, `${kind}[${i}] error`).toBeCloseTo(p.error, 3);
          expect(got[i]!.score, `${kind}[${i}] score`).toBeCloseTo(p.score, 3);
          expect(got[i]!.topFeatures[0]!.name, `${kind}[${i}] top feature`).toBe(p.top);
        });
      }
      const normalMax = Math.max(...expected.normal!.map((p) => p.score));
      for (const p of [...expected.exfiltration!, ...expected.scanning!])
        expect(p.score).toBeGreaterThan(Math.max(normalMax, 0.999));
    } finally {
      detector.dispose();
    }
  });
});
