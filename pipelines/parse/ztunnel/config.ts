import { Type } from '@sinclair/typebox';
import { MeshNamingConfig } from '../config.js';

/** What ztunnel reads: the mesh naming keys (cluster_domain, trust_domain, mesh_hosts), nothing else. */
export const ZtunnelConfig = Type.Object(MeshNamingConfig, { additionalProperties: false });
