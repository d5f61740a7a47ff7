import { Type } from '@sinclair/typebox';
import { MeshNamingConfig } from '../config.js';

/** What linkerd_apache reads: the mesh naming keys (cluster_domain, trust_domain, mesh_hosts), nothing else. */
export const LinkerdApacheConfig = Type.Object(MeshNamingConfig, { additionalProperties: false });
