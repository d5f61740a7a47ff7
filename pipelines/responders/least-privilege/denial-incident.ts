/**
 * A denied-caller finding (denials.ts) as the incident the alerts carry: lateral movement (high) or a
 * new dependency (low), the caller as offender, and the exact change that would allow it. Alert only:
 * the enforced policy already refuses the calls, so nothing is quarantined.
 */
import { createHash } from 'node:crypto';
import type { Incident, WorkloadIdentity } from '../../core/incident.js';
import type { DenialFinding } from './denials.js';

function offenderOf(caller: string): WorkloadIdentity {
  const m = /\/ns\/([^/]+)\/sa\/([^/]+)$/.exec(caller);
  const principal = caller.startsWith('spiffe://') ? caller : `spiffe://${caller}`;
  return { namespace: m?.[1] ?? '', serviceAccount: m?.[2] ?? '', principal };
}

export function denialIncident(f: DenialFinding): Incident {
  const lateral = f.verdict === 'lateral_movement';
  const id = createHash('sha256').update(`${f.caller}|${f.verdict}|${f.firstMs}`).digest('hex').slice(0, 16);
  return {
    id: `lp-${id}`,
    kind: lateral ? 'lateral_movement' : 'anomaly',
    workload: offenderOf(f.caller),
    severity: lateral ? 'high' : 'low',
    score: lateral ? 0.95 : 0.5,
    firstEventTime: new Date(f.firstMs).toISOString(),
    detectedAt: new Date(f.lastMs).toISOString(),
    detectors: ['least_privilege_denials'],
    evidence: {
      summary: f.summary,
      verdict: f.verdict,
      destinations: f.destinations,
      deniedCalls: f.deniedCalls,
      allow: f.allow,
    },
    action: {
      type: 'alert',
      reason: 'refused by enforced least-privilege policies; to allow the caller, apply evidence.allow',
    },
  };
}
