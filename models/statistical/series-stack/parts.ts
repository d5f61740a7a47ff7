/** The parts of the series stack: their names, indices and the calibrators that feed them. */
export const STACK_PARTS = [
  'spike',
  'level_shift',
  'variance',
  'drift',
  'changepoint',
  'likelihood',
  'contextual',
  'relative_entropy',
  'art',
  'flatline',
] as const;
export type StackPart = (typeof STACK_PARTS)[number];

/** Each part's index in STACK_PARTS. */
export const PART_INDEX = Object.freeze(
  Object.fromEntries(STACK_PARTS.map((k, i) => [k, i])) as Record<StackPart, number>,
);

export type CalibratorName =
  | 'spikeUp'
  | 'spikeDown'
  | 'stepUp'
  | 'stepDown'
  | 'cusumUp'
  | 'cusumDown'
  | 'variance'
  | 'varianceDown'
  | 'stepRatio'
  | 'driftUp'
  | 'driftDown'
  | 'changepoint'
  | 'contextual'
  | 'entropy'
  | 'art'
  | 'levelUp'
  | 'levelDown'
  | 'slopeUp'
  | 'slopeDown'
  | 'dipReturn';

export const NO_PARTS: Readonly<Record<StackPart, number>> = Object.freeze({
  spike: 0,
  level_shift: 0,
  variance: 0,
  drift: 0,
  changepoint: 0,
  likelihood: 0,
  contextual: 0,
  relative_entropy: 0,
  art: 0,
  flatline: 0,
});
