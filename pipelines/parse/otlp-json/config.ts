import { Type } from '@sinclair/typebox';
import { MeshNamingConfig } from '../config.js';

/** What otlp_json reads: the mesh naming keys (cluster_domain, trust_domain, mesh_hosts), nothing else. */
export const OtlpJsonConfig = Type.Object(MeshNamingConfig, { additionalProperties: false });
