/** The simulator as a live source (the demo's traffic); `meshguard simulate` and eval set the same options by flag. */
import { Type, type Static } from '@sinclair/typebox';

export const SimulatorConfig = Type.Object(
  {
    seed: Type.Integer({ default: 7, description: 'Same seed, same records.' }),
    services: Type.Integer({ default: 24, minimum: 1, description: 'The first N workloads of the catalog.' }),
    rate_per_sec: Type.Number({
      default: 200,
      exclusiveMinimum: 0,
      description: 'Mean in-mesh requests per second at the daily average.',
    }),
    identity: Type.Union([Type.Literal('spiffe'), Type.Literal('address')], {
      default: 'spiffe',
      description:
        "spiffe: peer SANs and Kubernetes metadata in each record; address: Istio's default format.",
    }),
    both_sidecars: Type.Boolean({
      default: true,
      description: "Also log the source sidecar's outbound record of in-mesh requests.",
    }),
    topic: Type.String({ default: 'mesh.access-logs', description: 'Topic named on the records handed on.' }),
    tick_ms: Type.Integer({
      default: 1000,
      minimum: 10,
      description: 'How often the traffic so far is handed on.',
    }),
  },
  { additionalProperties: false, default: {} },
);
export type SimulatorConfig = Static<typeof SimulatorConfig>;
