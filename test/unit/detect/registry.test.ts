/**
 * The window detector families: each factory builds its detector from its own config section, the
 * detector names it emits are unique and documented where a reader looks them up from an incident.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { EventClock } from '../../../pipelines/core/clock.js';
import { Metrics } from '../../../pipelines/core/metrics.js';
import { MemoryStateStore } from '../../../pipelines/core/state-store.js';
import { DetectorsConfig } from '../../../pipelines/detect/config.js';
import { WINDOW_DETECTORS } from '../../../pipelines/registry/window-detectors.js';
import { createWindowDetectors } from '../../../pipelines/runtime/window-detectors.js';

const DETECT = join(import.meta.dirname, '../../../pipelines/detect');
const clock = new EventClock();
const settings = {
  logger: pino({ level: 'silent' }),
  clock,
  metrics: new Metrics(),
  state: new MemoryStateStore(() => clock.nowMs()),
};
const defaults = Value.Default(DetectorsConfig, {}) as DetectorsConfig;

/** The folder whose factory declares `type` (a family folder, or a check nested in one). */
function folderOf(type: string): string {
  const candidates = readdirSync(DETECT, { recursive: true, encoding: 'utf8' })
    .filter((p) => p.endsWith('index.ts'))
    .map((p) => join(DETECT, p));
  const found = candidates.find((p) => readFileSync(p, 'utf8').includes(`type: '${type}'`));
  if (!found) throw new Error(`no folder under pipelines/detect declares type '${type}'`);
  return join(found, '..');
}

describe('window detector factories', () => {
  it('each is a detector whose type names its folder and its config section', () => {
    for (const f of WINDOW_DETECTORS) {
      expect(f.kind).toBe('detector');
      expect(Object.keys(defaults)).toContain(f.type);
      expect(folderOf(f.type).endsWith(f.type.replaceAll('_', '-'))).toBe(true);
      expect(Value.Default(f.configSchema, {})).toEqual(defaults[f.type as keyof DetectorsConfig]);
    }
  });

  it('detector names are unique and documented in the folder README and the index', () => {
    const detectors = createWindowDetectors(WINDOW_DETECTORS, defaults, settings);
    const index = readFileSync(join(DETECT, 'README.md'), 'utf8');
    const names = detectors.flatMap((d) => d.names);
    expect(new Set(names).size).toBe(names.length);
    WINDOW_DETECTORS.forEach((f, i) => {
      const readme = readFileSync(join(folderOf(f.type), 'README.md'), 'utf8');
      for (const name of detectors[i]!.names) {
        expect(readme).toContain(`\`${name}\``);
        expect(index).toContain(`\`${name}\``);
      }
    });
  });

  it('a detector name claimed by two families fails at start-up', () => {
    const [first] = WINDOW_DETECTORS;
    expect(() => createWindowDetectors([first!, first!], defaults, settings)).toThrow(
      /duplicate detector name/,
    );
  });

  it('a family without its config section fails at start-up', () => {
    expect(() => createWindowDetectors(WINDOW_DETECTORS, {}, settings)).toThrow(
      /no config section detectors\.unauthorized_access/,
    );
  });
});
