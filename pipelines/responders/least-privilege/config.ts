/** Config of least-privilege verification in service mode (`least_privilege:`). */
import { Type, type Static } from '@sinclair/typebox';

export const LeastPrivilegeConfig = Type.Object(
  {
    clean_period_secs: Type.Integer({
      default: 7 * 24 * 3600,
      minimum: 60,
      description:
        "A dry-run ALLOW policy is promoted to enforce only after this long with no would-be denial in Istio's shadow results (a full business cycle: weekly jobs must show up).",
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
