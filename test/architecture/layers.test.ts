/**
 * The layering of docs/architecture.md, checked on the code's own imports: every import runs down the
 * layers (or stays inside its folder), no two files import each other in a circle, models/ sees only the
 * core contracts, nothing imports services/, and no hand-written source file outside the simulator grows
 * past 400 lines. A change that breaks one of these names the file and the import.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/build.js';

/** Lower numbers are lower layers; a file may import its own folder and anything below it. */
const LAYERS: Record<string, number> = {
  'pipelines/core': 0,
  'pipelines/parse': 1,
  models: 1,
  'pipelines/metrics': 2,
  'pipelines/features': 2,
  'pipelines/detect': 3,
  'pipelines/incidents': 3,
  'pipelines/runtime': 4,
  'pipelines/responders': 5,
  'pipelines/sources': 5,
  'pipelines/state': 5,
  'pipelines/registry': 6,
  config: 7,
  services: 8,
};
const MAX_LINES = 400;
const EXEMPT_FROM_SIZE = ['pipelines/sources/simulator/', 'config/defaults.generated.ts'];

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(ROOT, dir))) {
    const path = join(dir, entry);
    if (statSync(join(ROOT, path)).isDirectory()) out.push(...sourceFiles(path));
    else if (path.endsWith('.ts')) out.push(path);
  }
  return out;
}

const files = ['pipelines', 'models', 'config', 'services'].flatMap(sourceFiles);

function layerOf(file: string): string {
  const layer = Object.keys(LAYERS).find((l) => file === l || file.startsWith(`${l}/`));
  if (!layer) throw new Error(`${file} is in no layer of test/architecture/layers.test.ts`);
  return layer;
}

/** Relative imports (static, type-only and dynamic) of a file, as repository paths of .ts files. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  return [...text.matchAll(/(?:from|import\()\s*'(\.{1,2}\/[^']+)\.js'/g)].map((m) =>
    relative(ROOT, resolve(ROOT, dirname(file), `${m[1]!}.ts`)),
  );
}

const graph = new Map(files.map((f) => [f, importsOf(f)]));

describe('architecture', () => {
  it('every file belongs to a layer and imports only its own folder or layers below', () => {
    const upward: string[] = [];
    for (const [file, targets] of graph)
      for (const target of targets) {
        const from = layerOf(file);
        const to = layerOf(target);
        if (from !== to && LAYERS[to]! >= LAYERS[from]!) upward.push(`${file} -> ${target}`);
      }
    expect(upward).toEqual([]);
  });

  it('models/ imports nothing of ours but the core contracts', () => {
    const outside = [...graph]
      .filter(([file]) => file.startsWith('models/'))
      .flatMap(([file, targets]) =>
        targets
          .filter((t) => !t.startsWith('models/') && !t.startsWith('pipelines/core/'))
          .map((t) => `${file} -> ${t}`),
      );
    expect(outside).toEqual([]);
  });

  it('no import circle between files', () => {
    const circles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const path: string[] = [];
    const visit = (file: string): void => {
      state.set(file, 'open');
      path.push(file);
      for (const next of graph.get(file) ?? []) {
        if (state.get(next) === 'open') circles.push([...path.slice(path.indexOf(next)), next].join(' -> '));
        else if (!state.has(next)) visit(next);
      }
      path.pop();
      state.set(file, 'done');
    };
    for (const file of files) if (!state.has(file)) visit(file);
    expect(circles).toEqual([]);
  });

  it(`no hand-written source file over ${MAX_LINES} lines (the simulator's catalogue aside)`, () => {
    const long = files
      .filter((f) => !EXEMPT_FROM_SIZE.some((e) => f.startsWith(e)))
      .map((f) => ({ f, lines: readFileSync(join(ROOT, f), 'utf8').split('\n').length - 1 }))
      .filter(({ lines }) => lines > MAX_LINES)
      .map(({ f, lines }) => `${f}: ${lines}`);
    expect(long).toEqual([]);
  });

  it('the layer table knows every source folder', () => {
    for (const file of files) expect(() => layerOf(file)).not.toThrow();
  });
});
