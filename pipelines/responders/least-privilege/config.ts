/** Config of least-privilege verification in service mode (`least_privilege:`). */
import { Type, type Static } from '@sinclair/typebox';

export const LeastPrivilegeConfig = Type.Object(
  {
    enabled: Type.Boolean({
      default: false,
      description:
        'Service mode: learn the call graph for learn_secs, put the proposals of quarantine.mesh in verification through quarantine.sink (Istio dry-run, Linkerd audit mode; Consul has no dry-run, so its intentions are evaluated by meshguard and written only on promotion), and promote each after its clean period. The state survives restarts in the state store (Redis).',
    }),
    learn_secs: Type.Integer({
      default: 24 * 3600,
      minimum: 60,
      description: 'How long the call graph is learned before the proposals are applied in dry-run.',
    }),
    l7: Type.Boolean({
      default: false,
      description: 'Propose methods and path templates (as `meshguard tighten --l7`).',
    }),
    check_interval_secs: Type.Integer({
      default: 60,
      minimum: 1,
      description: 'How often the learning deadline and the clean periods are checked (wall time).',
    }),
    clean_period_secs: Type.Integer({
      default: 7 * 24 * 3600,
      minimum: 60,
      description:
        "A proposal is promoted to enforce only after this long with no would-be denial (Istio's shadow results, Linkerd's audit counters, Consul intentions evaluated in-process): a full business cycle, so weekly jobs show up.",
    }),
    require_approval: Type.Boolean({
      default: true,
      description:
        'true: a policy whose clean period passed waits for a person (admin API) before it enforces; false: it is promoted automatically.',
    }),
  },
  { additionalProperties: false, default: {} },
);
export type LeastPrivilegeConfig = Static<typeof LeastPrivilegeConfig>;
