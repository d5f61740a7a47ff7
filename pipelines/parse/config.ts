/**
 * How the parsers tell the mesh from the outside world: root-level keys (cluster_domain, trust_domain,
 * mesh_hosts), spread into the root schema. Every access-log parser reads exactly these keys.
 */
import { Type, type Static, type TObject } from '@sinclair/typebox';

export const MeshNamingConfig = {
  cluster_domain: Type.String({
    default: 'cluster.local',
    description: 'Hosts under it are inside the mesh.',
  }),
  trust_domain: Type.String({ default: 'cluster.local' }),
  mesh_hosts: Type.Array(Type.String(), {
    default: [],
    description: 'Extra host suffixes that count as inside the mesh (ServiceEntry hosts you own).',
  }),
};

/** The schema of a parser's config that reads the naming keys and nothing else (each parser's config.ts). */
export type MeshNamingSchema = TObject<typeof MeshNamingConfig>;
export type MeshNaming = Static<MeshNamingSchema>;
