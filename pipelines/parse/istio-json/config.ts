import { Type } from '@sinclair/typebox';
import { MeshNamingConfig } from '../config.js';

/** What istio_json reads: the mesh naming keys (cluster_domain, trust_domain, mesh_hosts), nothing else. */
export const IstioJsonConfig = Type.Object(MeshNamingConfig, { additionalProperties: false });
