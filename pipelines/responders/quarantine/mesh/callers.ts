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
  /** The ports `destination` is called on, when known (a Linkerd Server needs one and evidence may not say). */
  portsOf?(destination: WorkloadRef): number[] | Promise<number[]>;
}

/** The destination port of a call: `outbound|9080||reviews...` / `inbound|9080|...`, else the authority's. */
function portOfCall(ev: Pick<MeshEvent, 'upstreamCluster' | 'authority'>): number | undefined {
  const cluster = /^(?:outbound|inbound)\|(\d+)\|/.exec(ev.upstreamCluster)?.[1];
  const text = cluster ?? /:(\d+)$/.exec(ev.authority)?.[1];
  const n = Number(text);
  return Number.isInteger(n) && n > 0 && n < 65536 ? n : undefined;
}

/** At most this many ports remembered per destination. */
const MAX_PORTS = 16;

const PRINCIPAL = /\/ns\/([^/]+)\/sa\/([^/]+)$/;

/** Bounded, so an attacker spraying identities cannot grow it without end. */
const MAX_CALLERS_PER_DESTINATION = 512;
const MAX_DESTINATIONS = 20_000;

export class ObservedCallGraph implements CallerDirectory {
  private readonly callers = new Map<string, Map<string, CallerIdentity>>();
  private readonly ports = new Map<string, Set<number>>();

  /**
   * Learn from one event: a successful call from an identified source to an identified destination,
   * remembered under the destination's service name and its service account (either may be asked for).
   */
  observe(
    ev: Pick<
      MeshEvent,
      'srcPrincipal' | 'dst' | 'dstNamespace' | 'dstServiceAccount' | 'status' | 'responseFlags'
    > &
      Partial<Pick<MeshEvent, 'upstreamCluster' | 'authority'>>,
  ): void {
    if (ev.status === 401 || ev.status === 403 || /\bUAEX\b|RBAC/.test(ev.responseFlags)) return;
    const src = PRINCIPAL.exec(ev.srcPrincipal);
    if (!src) return;
    const service = parseDestination(ev.dst);
    const names = new Set<string>();
    if (service) names.add(`${service.namespace}/${service.name}`);
    if (ev.dstNamespace && ev.dstServiceAccount) names.add(`${ev.dstNamespace}/${ev.dstServiceAccount}`);
    const port = portOfCall({ upstreamCluster: ev.upstreamCluster ?? '', authority: ev.authority ?? '' });
    for (const key of names) {
      this.remember(key, src[1]!, src[2]!);
      const known = this.ports.get(key) ?? new Set<number>();
      if (port !== undefined && known.size < MAX_PORTS && this.callers.has(key))
        this.ports.set(key, known.add(port));
    }
  }

  portsOf(destination: WorkloadRef): number[] {
    return [...(this.ports.get(`${destination.namespace}/${destination.name}`) ?? [])].sort((a, b) => a - b);
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
