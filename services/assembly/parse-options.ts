/** The parsers' view of the config: how mesh names and identities are read. */
import type { MeshguardConfig } from '../../config/schema.js';
import type { ParseOptions } from '../../pipelines/parse/index.js';

export function parseOptionsOf(
  cfg: Pick<MeshguardConfig, 'cluster_domain' | 'trust_domain' | 'mesh_hosts'>,
): ParseOptions {
  return { clusterDomain: cfg.cluster_domain, trustDomain: cfg.trust_domain, meshHosts: cfg.mesh_hosts };
}
