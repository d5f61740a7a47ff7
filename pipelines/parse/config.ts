/**
 * How the parsers tell the mesh from the outside world: root-level keys (cluster_domain, trust_domain,
 * mesh_hosts), spread into the root schema.
 */
import { Type } from '@sinclair/typebox';

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
