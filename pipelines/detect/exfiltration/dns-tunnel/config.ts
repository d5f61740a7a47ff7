/** Config section `detectors.dns_tunnel`: DNS queries carrying data in long, random-looking labels. */
import { Type, type Static } from '@sinclair/typebox';
import { detectorBase } from '../../base-config.js';

export const DnsTunnelConfig = Type.Object(
  {
    ...detectorBase,
    min_queries: Type.Integer({
      default: 20,
      minimum: 1,
      description: 'Tunnel-like queries under one domain, in one window, before it is called a tunnel.',
    }),
    min_subdomain_length: Type.Integer({
      default: 30,
      minimum: 1,
      description: 'Characters before the domain (dots excluded) from which a query can carry data.',
    }),
    min_entropy: Type.Number({
      default: 3.5,
      minimum: 0,
      description: 'Shannon entropy, bits per character, of those characters (encoded data is near 4-5).',
    }),
    ignore_suffixes: Type.Array(Type.String(), {
      default: ['cluster.local', 'in-addr.arpa', 'ip6.arpa'],
      description: 'Domains never judged (the cluster’s own names, reverse lookups).',
    }),
  },
  { additionalProperties: false, default: {} },
);
export type DnsTunnelConfig = Static<typeof DnsTunnelConfig>;
