import { Type } from '@sinclair/typebox';
import { MeshNamingConfig } from '../config.js';

/** What hubble_json reads: the mesh naming keys (cluster_domain, trust_domain, mesh_hosts), nothing else. */
export const HubbleJsonConfig = Type.Object(MeshNamingConfig, { additionalProperties: false });
