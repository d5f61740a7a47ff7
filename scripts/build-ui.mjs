// `npm run build`, second step: the incident console's files into dist/ui/, with the UI and charting
// libraries it uses copied from node_modules into dist/ui/vendor/ (ui/vendor.json names them), so the
// built service serves every asset itself and the page loads nothing from elsewhere.
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const source = join(root, 'ui');
const target = join(root, 'dist', 'ui');
rmSync(target, { recursive: true, force: true });
mkdirSync(join(target, 'vendor'), { recursive: true });
for (const name of readdirSync(source)) {
  if (statSync(join(source, name)).isFile()) copyFileSync(join(source, name), join(target, name));
}
const require = createRequire(join(root, 'package.json'));
/** A file of an installed package by its path inside it (packages' `exports` hide their dist/ files). */
function packageFile(modulePath) {
  const pkg = modulePath.split('/')[0];
  for (const dir of require.resolve.paths(pkg) ?? []) {
    const path = join(dir, modulePath);
    if (existsSync(path)) return path;
  }
  throw new Error(`${modulePath} not found: is ${pkg} installed (npm ci)?`);
}
const vendor = JSON.parse(readFileSync(join(source, 'vendor.json'), 'utf8'));
for (const [name, modulePath] of Object.entries(vendor))
  copyFileSync(packageFile(modulePath), join(target, 'vendor', name));
