/**
 * The window detector families: each factory builds its detector from its own config section, the
 * detector names it emits are unique and documented where a reader looks them up from an incident.
 */
import { readFileSync } from 'node:fs';
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

describe('window detector factories', () => {
  it('each is a detector whose type names its folder and its config section', () => {
    for (const f of WINDOW_DETECTORS) {
      expect(f.kind).toBe('detector');
      expect(Object.keys(defaults)).toContain(f.type);
      expect(readFileSync(join(DETECT, f.type.replaceAll('_', '-'), 'index.ts'), 'utf8')).toContain(
        `type: '${f.type}'`,
      );
      expect(Value.Default(f.configSchema, {})).toEqual(defaults[f.type as keyof DetectorsConfig]);
    }
  });

  it('detector names are unique and documented in the folder README and the index', () => {
    const detectors = createWindowDetectors(WINDOW_DETECTORS, defaults, settings);
    const index = readFileSync(join(DETECT, 'README.md'), 'utf8');
    const names = detectors.flatMap((d) => d.names);
    expect(new Set(names).size).toBe(names.length);
    WINDOW_DETECTORS.forEach((f, i) => {
      const readme = readFileSync(join(DETECT, f.type.replaceAll('_', '-'), 'README.md'), 'utf8');
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
