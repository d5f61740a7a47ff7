/**
 * Fusion: the findings of one offender in one window become one scored, classified candidate. Scores
 * are calibrated tail probabilities, so they compare across detectors; agreement between independent
 * detectors makes the result more certain.
 */
import type { Finding } from '../core/finding.js';
import type { IncidentKind, Severity } from '../core/incident.js';

export interface FusedCandidate {
  entity: string;
  kind: IncidentKind;
  score: number;
  severity: Severity;
  findings: Finding[];
  firstEventMs: number;
}

/** -log10 of the tail: 3 ≈ one in a thousand windows, 4.5 ≈ one in thirty thousand. */
export function surprise(score: number): number {
  return -Math.log10(Math.max(1e-12, 1 - score));
}

export function severityFor(score: number, findings: readonly Finding[]): Severity {
  const s = surprise(score);
  const kinds = new Set(findings.map((f) => f.kind)).size;
  const sensitive = findings.some((f) => f.detector === 'sensitive_destination');
  if (s >= 4.5 && (kinds >= 2 || sensitive)) return 'critical';
  if (s >= 3.5 || sensitive) return 'high';
  if (s >= 2.5) return 'medium';
  return 'low';
}

/** Detectors whose findings only corroborate others (the neural model): alone they raise nothing. */
const CORROBORATING = new Set(['autoencoder']);

export function fuse(entity: string, findings: readonly Finding[]): FusedCandidate | undefined {
  if (!findings.some((f) => !CORROBORATING.has(f.detector))) return undefined;
  // The primary kind is the one with the most certain finding; the others corroborate.
  let primary = findings.find((f) => !CORROBORATING.has(f.detector))!;
  for (const f of findings) if (f.score > primary.score && !CORROBORATING.has(f.detector)) primary = f;
  let miss = 1 - primary.score;
  const detectors = new Set([primary.detector]);
  for (const f of findings) {
    if (detectors.has(f.detector)) continue;
    detectors.add(f.detector);
    miss *= 0.5 + 0.5 * (1 - f.score); // a second, independent detector halves the remaining doubt at most
  }
  const score = 1 - miss;
  return {
    entity,
    kind: primary.kind,
    score,
    severity: severityFor(score, findings),
    findings: [...findings].sort((a, b) => b.score - a.score),
    firstEventMs: Math.min(...findings.map((f) => f.firstEventMs)),
  };
}
