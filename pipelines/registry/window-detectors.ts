/**
 * Window detector families over each source workload's traffic, in fusion order: findings reach fusion
 * in this order (ties in score go to the earlier one), so moving an entry changes which detector an
 * incident names first.
 */
import { checked } from './check.js';
import type { WindowDetectorFactory } from '../detect/detector.js';
import { factory as dnsTunnel } from '../detect/exfiltration/dns-tunnel/index.js';
import { factory as exfiltration } from '../detect/exfiltration/index.js';
import { factory as lateralMovement } from '../detect/lateral-movement/index.js';
import { factory as requestContent } from '../detect/request-content/index.js';
import { factory as scanning } from '../detect/scanning/index.js';
import { factory as slowAndLow } from '../detect/slow-and-low/index.js';
import { factory as unauthorizedAccess } from '../detect/unauthorized-access/index.js';

export const WINDOW_DETECTORS: readonly WindowDetectorFactory[] = checked([
  unauthorizedAccess,
  scanning,
  requestContent,
  lateralMovement,
  exfiltration,
  dnsTunnel,
  slowAndLow,
]);
