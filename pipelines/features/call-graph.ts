/**
 * The call graph: who calls which workload, how (methods and route templates), and when, learned from
 * access-log events in event time. Least-privilege policies are written from it (`meshguard tighten`),
 * and the same graph is the baseline that "contain to baseline" and new-caller findings compare against.
 *
 * A destination is the workload whose sidecar wrote an inbound record: it is the receiver, which is where
 * Istio enforces an AuthorizationPolicy. Its pod labels come from the shipper's Kubernetes metadata; a
 * destination never seen inbound has no labels and no policy can select it. Outbound records (the caller's
 * sidecar) add edges to a destination seen inbound under the same service host, so a caller is learned
 * even when only its own sidecar's line was shipped.
 *
 * Memory is bounded (destinations, callers per destination, routes per caller); what the caps drop is
 * counted, never silently lost.
 */
import type { MeshEvent } from '../core/event.js';
import { workloadFromLabels } from '../parse/kubernetes.js';
import { pathTemplate } from './path-template.js';

/** One caller of one destination. */
export interface CallerEdge {
  /** The event's source key: its SPIFFE principal, else `ip:<address>`. */
  readonly key: string;
  /** SPIFFE principal as logged (`spiffe://cluster.local/ns/shop/sa/web`), '' for address-only callers. */
  principal: string;
  namespace: string;
  serviceAccount: string;
  workload: string;
  address: string;
  requests: number;
  firstSeenMs: number;
  lastSeenMs: number;
  /** HTTP method → route templates (ids as Istio's one-segment template `{*}`, no query string). */
  readonly routes: Map<string, Set<string>>;
  /** Calls without an HTTP method (TCP, or a record without one): only an L4 rule can allow them. */
  tcp: boolean;
  /** Routes not kept because the caller's route cap was reached (an L7 policy must then stay wider). */
  routesDropped: number;
}

/** One destination workload and everyone seen calling it. */
export interface DestinationNode {
  /** `<namespace>/<workload>`. */
  readonly key: string;
  readonly namespace: string;
  /** Canonical name (Istio's canonical-name label, app labels), else the service account, else the host. */
  readonly workload: string;
  serviceAccount: string;
  /** Service hosts it was called as (`reviews.shop.svc.cluster.local`). */
  readonly hosts: Set<string>;
  /** Container ports it was called on (from Istio's `inbound|<port>|...` cluster names). */
  readonly ports: Set<number>;
  /**
   * The labels every pod of it carried (intersection over its records); undefined when no record had
   * shipper labels. Pod-specific labels are dropped when the selector is built, not here.
   */
  labels: Record<string, string> | undefined;
  requests: number;
  firstSeenMs: number;
  lastSeenMs: number;
  readonly callers: Map<string, CallerEdge>;
}

export interface CallGraphLimits {
  maxDestinations: number;
  maxCallersPerDestination: number;
  maxRoutesPerCaller: number;
}

export const DEFAULT_CALL_GRAPH_LIMITS: CallGraphLimits = {
  maxDestinations: 20_000,
  maxCallersPerDestination: 2_000,
  maxRoutesPerCaller: 512,
};

/** Why an event taught the graph nothing (counted per reason). */
export type IgnoredReason =
  | 'outside_window'
  | 'egress'
  | 'no_direction'
  | 'no_destination'
  | 'no_caller'
  | 'denied_by_policy'
  | 'over_capacity';

/** Envoy's RBAC filter names the denying policy here (HTTP: response_code_details; TCP: termination). */
const RBAC_DENIED = 'rbac_access_denied';
const INBOUND_PORT = /^inbound\|(\d{1,5})\|/;
const MAX_PORTS = 64;

/**
 * The port the destination received the call on: Istio's inbound cluster, else the local address the
 * record names, else the authority's port (Linkerd's logs carry only that: the Service's port, which can
 * differ from the pod's).
 */
function inboundPort(ev: MeshEvent): number | undefined {
  const cluster = INBOUND_PORT.exec(ev.upstreamCluster)?.[1];
  const n =
    cluster !== undefined
      ? Number(cluster)
      : ev.dstPort !== undefined && ev.dstPort > 0
        ? ev.dstPort
        : Number(/:(\d{1,5})$/.exec(ev.authority)?.[1]);
  return Number.isInteger(n) && n > 0 && n < 65536 ? n : undefined;
}

export class CallGraph {
  private readonly byKey = new Map<string, DestinationNode>();
  /** Service host → destination key, learned from inbound records. */
  private readonly hostOwner = new Map<string, string>();
  /** Outbound edges by service host, merged into the destination that owns the host when read. */
  private readonly outbound = new Map<string, Map<string, CallerEdge>>();
  /**
   * Workloads seen calling (outbound records carry the caller pod's labels), so that one never called in
   * the window is still a destination: with no caller, least privilege is "allow nothing".
   */
  private readonly callersSeen = new Map<string, DestinationNode>();
  readonly ignored = new Map<IgnoredReason, number>();
  private learned = 0;

  constructor(
    private readonly limits: CallGraphLimits = DEFAULT_CALL_GRAPH_LIMITS,
    /** Only events with sinceMs <= timeMs < untilMs are learned (event time). */
    private readonly window: { sinceMs: number; untilMs: number } = {
      sinceMs: Number.NEGATIVE_INFINITY,
      untilMs: Number.POSITIVE_INFINITY,
    },
  ) {}

  /** Learn one event; returns whether it added to the graph. Never throws. */
  observe(ev: MeshEvent): boolean {
    const why = this.learn(ev);
    if (why === undefined) {
      this.learned++;
      return true;
    }
    this.ignored.set(why, (this.ignored.get(why) ?? 0) + 1);
    return false;
  }

  /** Events that added to the graph. */
  get learnedEvents(): number {
    return this.learned;
  }

  private learn(ev: MeshEvent): IgnoredReason | undefined {
    if (!(ev.timeMs >= this.window.sinceMs && ev.timeMs < this.window.untilMs)) return 'outside_window';
    if (ev.egress) return 'egress';
    // A call a policy already denied is not a dependency: learning it would re-open what was closed.
    if (ev.responseCodeDetails.includes(RBAC_DENIED)) return 'denied_by_policy';
    if (ev.src === '') return 'no_caller';
    if (ev.direction === 'inbound') return this.learnInbound(ev);
    if (ev.direction === 'outbound') {
      this.noteCaller(ev);
      if (ev.dst === '' || ev.dst.startsWith('ip:')) return 'no_destination';
      let callers = this.outbound.get(ev.dst);
      if (callers === undefined) {
        if (this.outbound.size >= this.limits.maxDestinations) return 'over_capacity';
        callers = new Map();
        this.outbound.set(ev.dst, callers);
      }
      return this.addCall(callers, ev);
    }
    return 'no_direction';
  }

  private noteCaller(ev: MeshEvent): void {
    if (ev.srcNamespace === '' || Object.keys(ev.podLabels).length === 0) return;
    const workload = workloadFromLabels(ev.podLabels) || ev.srcServiceAccount;
    if (workload === '') return;
    const key = `${ev.srcNamespace}/${workload}`;
    let node = this.callersSeen.get(key);
    if (node === undefined) {
      if (this.callersSeen.size >= this.limits.maxDestinations) return;
      node = newNode(key, ev.srcNamespace, workload, ev.srcServiceAccount, ev.timeMs);
      node.requests = 0;
      this.callersSeen.set(key, node);
    }
    node.labels = intersect(node.labels, ev.podLabels);
    node.firstSeenMs = Math.min(node.firstSeenMs, ev.timeMs);
    node.lastSeenMs = Math.max(node.lastSeenMs, ev.timeMs);
  }

  private learnInbound(ev: MeshEvent): IgnoredReason | undefined {
    if (ev.dstNamespace === '') return 'no_destination';
    const hasLabels = Object.keys(ev.podLabels).length > 0;
    const workload =
      (hasLabels ? workloadFromLabels(ev.podLabels) : '') || ev.dstServiceAccount || hostName(ev.dst);
    if (workload === '') return 'no_destination';
    const key = `${ev.dstNamespace}/${workload}`;
    let node = this.byKey.get(key);
    if (node === undefined) {
      if (this.byKey.size >= this.limits.maxDestinations) return 'over_capacity';
      node = newNode(key, ev.dstNamespace, workload, ev.dstServiceAccount, ev.timeMs);
      this.byKey.set(key, node);
    }
    if (hasLabels) node.labels = intersect(node.labels, ev.podLabels);
    if (node.serviceAccount === '') node.serviceAccount = ev.dstServiceAccount;
    if (ev.dst !== '' && !ev.dst.startsWith('ip:') && !ev.dst.startsWith('spiffe://')) {
      node.hosts.add(ev.dst);
      if (!this.hostOwner.has(ev.dst)) this.hostOwner.set(ev.dst, key);
    }
    const port = inboundPort(ev);
    if (port !== undefined && node.ports.size < MAX_PORTS) node.ports.add(port);
    node.requests++;
    node.firstSeenMs = Math.min(node.firstSeenMs, ev.timeMs);
    node.lastSeenMs = Math.max(node.lastSeenMs, ev.timeMs);
    return this.addCall(node.callers, ev);
  }

  private addCall(callers: Map<string, CallerEdge>, ev: MeshEvent): IgnoredReason | undefined {
    let edge = callers.get(ev.src);
    if (edge === undefined) {
      if (callers.size >= this.limits.maxCallersPerDestination) return 'over_capacity';
      edge = {
        key: ev.src,
        principal: ev.srcPrincipal,
        namespace: ev.srcNamespace,
        serviceAccount: ev.srcServiceAccount,
        workload: ev.srcWorkload,
        address: ev.srcAddress,
        requests: 0,
        firstSeenMs: ev.timeMs,
        lastSeenMs: ev.timeMs,
        routes: new Map(),
        tcp: false,
        routesDropped: 0,
      };
      callers.set(ev.src, edge);
    }
    if (edge.workload === '') edge.workload = ev.srcWorkload;
    edge.requests++;
    edge.firstSeenMs = Math.min(edge.firstSeenMs, ev.timeMs);
    edge.lastSeenMs = Math.max(edge.lastSeenMs, ev.timeMs);
    if (ev.method === '' || ev.path === '') edge.tcp = true;
    else addRoute(edge, ev.method.toUpperCase(), pathTemplate(ev.path, '{*}'), this.limits);
    return undefined;
  }

  /**
   * Every destination seen inbound, with the callers seen only by their own sidecar merged in (by service
   * host). Returns copies: reading does not change what was learned. Sorted by key.
   */
  destinations(): DestinationNode[] {
    const out: DestinationNode[] = [];
    for (const node of this.byKey.values()) {
      const callers = new Map([...node.callers].map(([k, e]) => [k, copyEdge(e)]));
      for (const host of node.hosts) {
        if (this.hostOwner.get(host) !== node.key) continue;
        for (const [k, e] of this.outbound.get(host) ?? []) {
          const mine = callers.get(k);
          if (mine === undefined) callers.set(k, copyEdge(e));
          else mergeEdge(mine, e, this.limits);
        }
      }
      out.push({
        ...node,
        hosts: new Set(node.hosts),
        ports: new Set(node.ports),
        labels: node.labels && { ...node.labels },
        callers,
      });
    }
    for (const [key, node] of this.callersSeen)
      if (!this.byKey.has(key)) out.push({ ...node, labels: node.labels && { ...node.labels } });
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** Outbound service hosts no inbound record tied to a workload (no sidecar there, or not logged). */
  unresolvedHosts(): string[] {
    return [...this.outbound.keys()].filter((h) => !this.hostOwner.has(h)).sort();
  }
}

function newNode(
  key: string,
  namespace: string,
  workload: string,
  serviceAccount: string,
  timeMs: number,
): DestinationNode {
  return {
    key,
    namespace,
    workload,
    serviceAccount,
    hosts: new Set(),
    ports: new Set(),
    labels: undefined,
    requests: 0,
    firstSeenMs: timeMs,
    lastSeenMs: timeMs,
    callers: new Map(),
  };
}

function hostName(dst: string): string {
  if (dst === '' || dst.startsWith('ip:') || dst.startsWith('spiffe://')) return '';
  return dst.split('.')[0] ?? '';
}

function intersect(
  current: Record<string, string> | undefined,
  labels: Readonly<Record<string, string>>,
): Record<string, string> {
  if (current === undefined) return Object.assign(Object.create(null) as Record<string, string>, labels);
  for (const key of Object.keys(current)) if (labels[key] !== current[key]) delete current[key];
  return current;
}

function addRoute(edge: CallerEdge, method: string, route: string, limits: CallGraphLimits): void {
  let routes = edge.routes.get(method);
  if (routes === undefined) {
    routes = new Set();
    edge.routes.set(method, routes);
  }
  if (routes.has(route)) return;
  let total = 0;
  for (const r of edge.routes.values()) total += r.size;
  if (total >= limits.maxRoutesPerCaller) edge.routesDropped++;
  else routes.add(route);
}

function copyEdge(e: CallerEdge): CallerEdge {
  return { ...e, routes: new Map([...e.routes].map(([m, r]) => [m, new Set(r)])) };
}

function mergeEdge(into: CallerEdge, from: CallerEdge, limits: CallGraphLimits): void {
  into.requests += from.requests;
  into.firstSeenMs = Math.min(into.firstSeenMs, from.firstSeenMs);
  into.lastSeenMs = Math.max(into.lastSeenMs, from.lastSeenMs);
  into.tcp ||= from.tcp;
  into.routesDropped += from.routesDropped;
  if (into.principal === '') into.principal = from.principal;
  if (into.workload === '') into.workload = from.workload;
  for (const [method, routes] of from.routes) for (const r of routes) addRoute(into, method, r, limits);
}
