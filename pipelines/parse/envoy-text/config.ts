import { Type } from '@sinclair/typebox';
import { MeshNamingConfig } from '../config.js';

/** What envoy_text reads: the mesh naming keys (cluster_domain, trust_domain, mesh_hosts), nothing else. */
export const EnvoyTextConfig = Type.Object(MeshNamingConfig, { additionalProperties: false });
