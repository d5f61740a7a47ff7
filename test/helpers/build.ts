/**
 * Tests that run the `meshguard` binary need dist/ to match the sources: rebuild it when any source
 * file is newer than the compiled entry point.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** The incident console's files in dist/ui (scripts/build-ui.mjs), refreshed when ui/ is newer. */
function ensureConsoleBuilt(): void {
  const shell = join(ROOT, 'dist', 'ui', 'index.html');
  const newest = Math.max(...readdirSync(join(ROOT, 'ui')).map((f) => statSync(join(ROOT, 'ui', f)).mtimeMs));
  if (existsSync(shell) && statSync(shell).mtimeMs >= newest) return;
  const run = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build-ui.mjs')], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`node scripts/build-ui.mjs failed: ${run.stderr}`);
}

export function ensureBuilt(): void {
  ensureConsoleBuilt();
  const built = join(ROOT, 'dist', 'services', 'cli', 'meshguard.js');
  const sources = Math.max(
    ...['services', 'pipelines', 'models', 'config'].map((d) => newestMtime(join(ROOT, d))),
  );
  if (existsSync(built) && statSync(built).mtimeMs >= sources) return;
  spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'ignore' });
  if (!existsSync(built))
    throw new Error('npx tsc -p tsconfig.build.json did not produce dist/services/cli/meshguard.js');
}
