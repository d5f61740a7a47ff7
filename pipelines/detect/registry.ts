/** The one explicit list of window detectors. A duplicate name fails at start-up. */
import type { WindowDetector } from './detector.js';
import { ExfiltrationDetector } from './exfiltration/index.js';
import { LateralMovementDetector } from './lateral-movement/index.js';
import { ScanningDetector } from './scanning/index.js';
import { PlaintextDetector, UnauthorizedAccessDetector } from './unauthorized-access/index.js';

export function createDetectors(): WindowDetector[] {
  const detectors: WindowDetector[] = [
    new UnauthorizedAccessDetector(),
    new PlaintextDetector(),
    new ScanningDetector(),
    new LateralMovementDetector(),
    new ExfiltrationDetector(),
  ];
  const names = new Set<string>();
  for (const d of detectors) {
    if (names.has(d.name)) throw new Error(`duplicate detector name "${d.name}"`);
    names.add(d.name);
  }
  return detectors;
}
