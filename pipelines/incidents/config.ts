/** How incidents are deduplicated and how many the API keeps. */
import { Type, type Static } from '@sinclair/typebox';

export const IncidentsConfig = Type.Object(
  {
    dedup_window_secs: Type.Integer({
      default: 3600,
      minimum: 1,
      description: 'One incident per offender and kind within this event-time span.',
    }),
    claim_lease_secs: Type.Integer({
      default: 10,
      minimum: 1,
      description:
        'A replica that claimed an incident holds it this long before publishing; if it dies first, the replica its records move to raises it once the lease ends. Keep it below kafka.session_timeout_ms and above the time a quarantine takes to apply.',
    }),
    max_kept: Type.Integer({
      default: 1000,
      minimum: 1,
      description: 'Incidents kept in memory for the API.',
    }),
  },
  { additionalProperties: false, default: {} },
);
export type IncidentsConfig = Static<typeof IncidentsConfig>;
