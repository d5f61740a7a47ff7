/**
 * The options every parser reads, bound once per configuration. Derived suffixes are cached per options
 * object (mesh-hosts.ts), so build one and reuse it.
 */
import type { MeshNaming } from './config.js';

export interface WorkloadInfo {
  namespace: string;
  workload: string;
  serviceAccount: string;
}

export interface ParseOptions {
  /** Hosts ending in `.svc.<clusterDomain>` are inside the mesh. */
  clusterDomain: string;
  trustDomain: string;
  /** Extra host suffixes that count as inside the mesh. */
  meshHosts: readonly string[];
  /** Pod IP → workload, where known, to resolve callers of logs that carry no identity. */
  podIps?: ReadonlyMap<string, WorkloadInfo>;
}

export const defaultParseOptions: ParseOptions = {
  clusterDomain: 'cluster.local',
  trustDomain: 'cluster.local',
  meshHosts: [],
};

/** The options for a config's naming keys (the root config, or a parser's own config). */
export function parseOptionsOf(config: MeshNaming): ParseOptions {
  return {
    clusterDomain: config.cluster_domain,
    trustDomain: config.trust_domain,
    meshHosts: config.mesh_hosts,
  };
}
