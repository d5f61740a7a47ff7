/**
 * new_destinations: an identity calling several destinations it never called during its baseline.
 * One new dependency (a rollout) stays quiet.
 * sensitive_destination: any call to a sensitive destination (the Kubernetes API, cloud metadata) it
 * did not make in its baseline; it names the finding whenever such a call is in the window.
 */
import type { Finding } from '../../core/finding.js';
import { pathTemplate } from '../../features/path-template.js';
import { RECENT_NEW_DESTINATION_MS, type WindowContext } from '../detector.js';
import type { LateralMovementConfig } from './config.js';
import { isKubernetesApi, isSuspiciousKubernetesCall } from './kubernetes-api.js';

export const NEW_DESTINATIONS = 'new_destinations';
export const SENSITIVE_DESTINATION = 'sensitive_destination';

export function newDestinations(ctx: WindowContext, cfg: LateralMovementConfig): Finding | undefined {
  const w = ctx.window;
  // Sensitive destinations: cloud metadata on any call the workload did not make in its baseline;
  // the Kubernetes API when the calls look like an attacker's (secrets, tokens, refusals, walking the
  // API), since housekeeping jobs call it legitimately, sometimes rarely.
  const sensitive = new Set<string>();
  const kubeCalls = ctx.sensitiveCalls.filter((c) => isKubernetesApi(c.destination));
  const kubeTemplates = new Set(kubeCalls.map((c) => pathTemplate(c.path)));
  const kubeRefused = kubeCalls.filter((c) => c.status === 401 || c.status === 403).length;
  for (const c of ctx.sensitiveCalls) {
    if (isKubernetesApi(c.destination)) {
      if (isSuspiciousKubernetesCall(c) || kubeTemplates.size >= 4 || kubeRefused >= 3)
        sensitive.add(c.destination);
    } else if (!ctx.state.externalHost(c.destination)?.known && !ctx.state.knowsDestination(c.destination)) {
      sensitive.add(c.destination);
    }
  }

  // A brand-new identity has no baseline of destinations: only sensitive calls count for it. New
  // destinations add up over a few minutes, so a spread that starts mid-window is still seen whole.
  const fresh = ctx.newEntity
    ? []
    : [
        ...new Set([
          ...ctx.newDestinations,
          ...ctx.state.recentNewDestinations(ctx.endMs, RECENT_NEW_DESTINATION_MS),
        ]),
      ];
  const known = ctx.state.destinationCount;
  let deniedOnNew = 0;
  let failedOnNew = 0;
  let requestsToNew = 0;
  for (const d of fresh) {
    deniedOnNew += w.edges.get(d)?.denied ?? 0;
    // Refused connections too: a sweep of addresses is connection_sweep's, not a pivot.
    failedOnNew +=
      (w.edges.get(d)?.denied ?? 0) + (w.edges.get(d)?.notFound ?? 0) + (w.edges.get(d)?.failed ?? 0);
    requestsToNew += w.edges.get(d)?.requests ?? 0;
  }
  if (requestsToNew === 0 && sensitive.size === 0) return undefined; // nothing new in this window
  // New destinations that mostly refuse the caller or answer 404 are being probed or scanned:
  // denial_burst and not_found_burst name that better.
  const probing = failedOnNew * 2 >= requestsToNew;
  const spread = fresh.length >= cfg.min_new_destinations && !probing;
  if (!spread && sensitive.size === 0) return undefined;
  // More new destinations than the usual fan-out is rarer still.
  const score =
    sensitive.size > 0 ? 0.9999 : 1 - 1 / (1 + fresh.length * fresh.length * (1 + 2 / (known + 1)) * 200);
  if (score < cfg.threshold) return undefined;
  let first = Number.MAX_SAFE_INTEGER;
  for (const d of fresh)
    first = Math.min(first, w.edges.get(d)?.firstMs ?? ctx.state.firstCalledMs(d) ?? first);
  for (const h of sensitive)
    first = Math.min(first, w.external.get(h)?.firstMs ?? w.edges.get(h)?.firstMs ?? first);
  return {
    detector: sensitive.size > 0 ? SENSITIVE_DESTINATION : NEW_DESTINATIONS,
    kind: 'lateral_movement',
    entity: w.src,
    score,
    timeMs: ctx.endMs,
    firstEventMs: first === Number.MAX_SAFE_INTEGER ? w.firstMs : first,
    evidence: {
      new_destinations: fresh.slice(0, 20),
      sensitive_destinations: [...sensitive],
      sensitive_calls: ctx.sensitiveCalls
        .slice(0, 8)
        .map((c) => `${c.status} ${c.method} ${c.destination}${c.path}`),
      known_destinations: known,
      denied_on_new_destinations: deniedOnNew,
      baseline_destinations_sample: [...ctx.state.knownDestinations()].slice(0, 10),
    },
  };
}
