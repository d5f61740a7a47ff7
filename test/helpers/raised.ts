import { expect } from 'vitest';
import type { Incident } from '../../pipelines/core/incident.js';

/**
 * The incidents on the incidents topic, each once: an incident is published again only when a later
 * finding makes it more severe (an escalation pages on-call again, as replay does), never twice at one
 * severity, whatever replicas, restarts or re-read records did. Returns each incident's first record.
 */
export function raisedOnce(records: readonly Incident[]): Incident[] {
  const keys = records.map((i) => `${i.id} ${i.severity}`);
  expect(keys.length, `raised twice at one severity: ${keys.join(', ')}`).toBe(new Set(keys).size);
  const first = new Map<string, Incident>();
  for (const i of records) if (!first.has(i.id)) first.set(i.id, i);
  return [...first.values()];
}
