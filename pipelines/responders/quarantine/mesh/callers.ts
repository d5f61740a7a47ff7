/**
 * Who legitimately calls a workload: the part of the learned call graph a Linkerd quarantine needs
 * (Linkerd has no DENY, so containing an offender means authorizing every other caller).
 *
 * `CallerDirectory` is the narrow interface the quarantine responder receives through its settings.
 * `ObservedCallGraph` is an in-memory implementation fed with mesh events (successful calls only: a
 * caller refused with 401/403 is not legitimate). A richer learner (least privilege) can implement the
 * same interface.
 */
import type { MeshEvent } from '../../../core/event.js';
import { parseDestination } from './targets.js';

/** A destination workload, as the incident's evidence names it. */
export interface WorkloadRef {
  namespace: string;
  /** Workload (Deployment) or service name. */
  name: string;
}

/** A caller identity: a Kubernetes service account in a namespace. */
export interface CallerIdentity {
  namespace: string;
  serviceAccount: string;
}

export interface CallerDirectory {
  /** The identities that legitimately call `destination` (any order; the offender may be among them). */
  callersOf(destination: WorkloadRef): CallerIdentity[] | Promise<CallerIdentity[]>;
}

const PRINCIPAL = /\/ns\/([^/]+)\/sa\/([^/]+)$/;

/** Bounded, so an attacker spraying identities cannot grow it without end. */
const MAX_CALLERS_PER_DESTINATION = 512;
const MAX_DESTINATIONS = 20_000;

export class ObservedCallGraph implements CallerDirectory {
  private readonly callers = new Map<string, Map<string, CallerIdentity>>();

  /**
   * Learn from one event: a successful call from an identified source to an identified destination,
   * remembered under the destination's service name and its service account (either may be asked for).
   */
  observe(
    ev: Pick<
      MeshEvent,
      'srcPrincipal' | 'dst' | 'dstNamespace' | 'dstServiceAccount' | 'status' | 'responseFlags'
    >,
  ): void {
    if (ev.status === 401 || ev.status === 403 || /\bUAEX\b|RBAC/.test(ev.responseFlags)) return;
    const src = PRINCIPAL.exec(ev.srcPrincipal);
    if (!src) return;
    const service = parseDestination(ev.dst);
    const names = new Set<string>();
    if (service) names.add(`${service.namespace}/${service.name}`);
    if (ev.dstNamespace && ev.dstServiceAccount) names.add(`${ev.dstNamespace}/${ev.dstServiceAccount}`);
    for (const key of names) this.remember(key, src[1]!, src[2]!);
  }

  private remember(key: string, namespace: string, serviceAccount: string): void {
    let set = this.callers.get(key);
    if (!set) {
      if (this.callers.size >= MAX_DESTINATIONS) return;
      set = new Map();
      this.callers.set(key, set);
    }
    const id = `${namespace}/${serviceAccount}`;
    if (!set.has(id) && set.size < MAX_CALLERS_PER_DESTINATION) set.set(id, { namespace, serviceAccount });
  }

  callersOf(destination: WorkloadRef): CallerIdentity[] {
    const set = this.callers.get(`${destination.namespace}/${destination.name}`);
    return set ? [...set.values()] : [];
  }
}
