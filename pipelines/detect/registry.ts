/**
 * The window detector families, in the order their findings reach fusion (ties in score go to the
 * earlier one). Kept here until the central registry (pipelines/registry.ts) lists every component.
 */
import type { WindowDetectorFactory } from './detector.js';
import { factory as exfiltration } from './exfiltration/index.js';
import { factory as lateralMovement } from './lateral-movement/index.js';
import { factory as scanning } from './scanning/index.js';
import { factory as unauthorizedAccess } from './unauthorized-access/index.js';

export const windowDetectorFactories: readonly WindowDetectorFactory[] = [
  unauthorizedAccess,
  scanning,
  lateralMovement,
  exfiltration,
];
