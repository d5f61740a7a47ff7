/** Settings shared by the stack members that bin values over an online range (art, contextual, relative-entropy). */
import { Type } from '@sinclair/typebox';

/** How fast the learned range follows values beyond it; slow, so a spike stays an outlier. */
export function rangeWiden() {
  return Type.Number({
    default: 0.02,
    exclusiveMinimum: 0,
    maximum: 1,
    description:
      'Fraction of an excess by which the range widens per sample beyond it (slow: a spike stays an outlier).',
  });
}

/** A member's vote in the series stack. */
export function memberWeight() {
  return Type.Number({
    default: 1,
    minimum: 0,
    maximum: 1,
    description: 'Multiplier of its calibrated score in the stack (0 turns its vote off).',
  });
}
