import { it } from 'vitest';
import { evaluateRun } from '../../services/eval/evaluate.js';
import { BENIGN_SCENARIOS } from '../../pipelines/sources/simulator/index.js';
it('scratch', async () => {
  const run = await evaluateRun({ seed: 99, startMs: Date.parse('2026-11-02T06:00:00Z'), durationMs: 70 * 60_000, services: 50, ratePerSec: 10, identity: 'spiffe', scenarios: [], benign: BENIGN_SCENARIOS.filter((s) => s !== 'nightly_batch') });
  for (const i of run.falseIncidents) console.log('FALSE', i.detectedAt, i.kind, i.detectors.join('+'), String(i.evidence.summary));
}, 600_000);
