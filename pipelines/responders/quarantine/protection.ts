/**
 * What quarantine protects beyond the configured lists, with no list to keep by hand: meshguard's own
 * dependencies (the namespaces and addresses of its Kafka brokers, its Redis and its API server), and any
 * address bound to a pod in a protected namespace. Cutting these off would blind meshguard or take the
 * platform down, so an attacker who could aim quarantine at them must not be able to.
 */
import { isIP } from 'node:net';

/** The pod an address is bound to right now. */
export interface AddressOwner {
  namespace: string;
  pod: string;
}

/**
 * Which pod an address is bound to now, or undefined when none is known. The runtime's address bindings
 * (latest, time-bounded) answer it; the guardrails only read it.
 */
export type AddressOwnerLookup = (ip: string) => AddressOwner | undefined;

export interface Protection {
  /** Namespaces protected on top of quarantine.protected_namespaces and the built-in ones. */
  namespaces: ReadonlySet<string>;
  /** Addresses never quarantined (dependency and API server IPs). */
  addresses: ReadonlySet<string>;
  /** Where an address offender's pod is looked up; absent until the runtime wires its bindings. */
  addressOwner?: AddressOwnerLookup;
  /**
   * Whether the pods behind addresses are known now (the pod watch or a pod-IP file feeds the bindings):
   * then an address offender must be bound to a pod to be quarantined. Absent or false: not checked.
   */
  podsKnown?: () => boolean;
  /**
   * Why the scored records could come from anyone (ingest open to the network): the identities in them
   * could be forged, so every automatic quarantine waits for approval. Absent: the channels authenticate.
   */
  unauthenticatedInput?: string;
}

export const NO_PROTECTION: Protection = { namespaces: new Set(), addresses: new Set() };

/** The host of an endpoint: `host:port`, `scheme://user:pass@host:port/path`, `[v6]:port`. */
export function endpointHost(endpoint: string): string | undefined {
  const text = endpoint.trim();
  if (!text) return undefined;
  try {
    const url = new URL(text.includes('://') ? text : `tcp://${text}`);
    return url.hostname.replace(/^\[|\]$/g, '').toLowerCase() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * The namespace of an in-cluster name: `<svc>.<ns>.svc[.<cluster domain>]`, or a StatefulSet pod's
 * `<pod>.<svc>.<ns>.svc[...]`.
 */
export function serviceNamespace(host: string): string | undefined {
  return /^(?:[a-z0-9-]+\.)+?([a-z0-9-]+)\.svc(\.|$)/.exec(host)?.[1];
}

/** The protection that follows from meshguard's own endpoints (Kafka brokers, Redis URL, API server). */
export function dependencyProtection(
  endpoints: ReadonlyArray<string | undefined>,
  addressOwner?: AddressOwnerLookup,
  podsKnown?: () => boolean,
): Protection {
  const namespaces = new Set<string>();
  const addresses = new Set<string>();
  for (const endpoint of endpoints) {
    const host = endpoint ? endpointHost(endpoint) : undefined;
    if (!host) continue;
    if (isIP(host)) addresses.add(host);
    const ns = serviceNamespace(host);
    if (ns) namespaces.add(ns);
  }
  return {
    namespaces,
    addresses,
    ...(addressOwner ? { addressOwner } : {}),
    ...(podsKnown ? { podsKnown } : {}),
  };
}
