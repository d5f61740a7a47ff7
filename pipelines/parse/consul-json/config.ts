import { Type } from '@sinclair/typebox';
import { MeshNamingConfig } from '../config.js';

/** What consul_json reads: the mesh naming keys (cluster_domain, trust_domain, mesh_hosts), nothing else. */
export const ConsulJsonConfig = Type.Object(MeshNamingConfig, { additionalProperties: false });
