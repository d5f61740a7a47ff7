/**
 * vitest globalSetup: after the whole run, render docs/reliability.md once more from every reliability
 * test file's recorded outcomes (each file also renders it in its own afterAll, so this is only the
 * final, complete pass). Add to vitest.config.ts: `globalSetup: ['test/reliability.setup.ts']`.
 */
import { writeReliabilityMarkdown } from './helpers/reliability-report.js';

export default function setup(): () => void {
  return () => writeReliabilityMarkdown();
}
