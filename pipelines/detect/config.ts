import { Type, type Static } from '@sinclair/typebox';

/** Event-time windowing shared by all detectors. */
export const WindowingConfig = Type.Object(
  {
    window_secs: Type.Number({
      default: 10,
      minimum: 1,
      description: 'Tumbling window length in event time.',
    }),
    allowed_lateness_secs: Type.Number({
      default: 5,
      minimum: 0,
      description: 'How far out of order a record may arrive and still count in its window.',
    }),
    early_decisions: Type.Boolean({
      default: true,
      description:
        'Run the detectors when a window ends, not only when it closes after the allowed lateness: an attack is raised up to allowed_lateness_secs sooner. Baselines still learn from the closed window.',
    }),
    learning_secs: Type.Number({
      default: 120,
      minimum: 0,
      description: 'Per-entity learning period before its detectors may raise incidents.',
    }),
    entity_idle_secs: Type.Number({
      default: 3600,
      minimum: 60,
      description: 'Entities silent this long are evicted (their baseline is snapshotted first).',
    }),
  },
  { additionalProperties: false, default: {} },
);
export type WindowingConfig = Static<typeof WindowingConfig>;

const detectorBase = {
  enabled: Type.Boolean({ default: true }),
  threshold: Type.Number({
    default: 0.99,
    minimum: 0,
    maximum: 1,
    description: 'Calibrated score at or above which the detector reports a finding.',
  }),
};

export const DetectorsConfig = Type.Object(
  {
    unauthorized_access: Type.Object(
      {
        ...detectorBase,
        min_denials: Type.Integer({
          default: 10,
          minimum: 1,
          description: '401/403/RBAC denials in one window.',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    scanning: Type.Object(
      {
        ...detectorBase,
        min_not_found: Type.Integer({ default: 10, minimum: 1, description: '404s in one window.' }),
        min_new_paths: Type.Integer({
          default: 15,
          minimum: 1,
          description: 'Never-seen paths in one window.',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    lateral_movement: Type.Object(
      {
        ...detectorBase,
        min_new_destinations: Type.Integer({
          default: 3,
          minimum: 1,
          description: 'Destinations never called during the baseline, within the window.',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    exfiltration: Type.Object(
      {
        ...detectorBase,
        min_bytes: Type.Integer({
          default: 5_000_000,
          minimum: 0,
          description: 'Bytes in one window below which volume is never called exfiltration.',
        }),
        cumulative_external_bytes: Type.Integer({
          default: 20_000_000,
          minimum: 0,
          description: 'Bytes uploaded to one new external host, summed over time (slow drips).',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false, default: {} },
);
export type DetectorsConfig = Static<typeof DetectorsConfig>;
