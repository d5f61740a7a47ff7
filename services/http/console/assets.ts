/**
 * The incident console's files, read once into memory: the page's own files from `ui/` and the UI and
 * charting libraries it uses, vendored from node_modules (ui/vendor.json names them). `npm run build`
 * copies both into dist/ui/; run from the sources, the libraries are read from node_modules directly.
 * Only files in this table are ever served: a request path never reaches the file system.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname, join } from 'node:path';

export interface Asset {
  body: Buffer;
  contentType: string;
}

export interface ConsoleAssets {
  /** The page shell, served for /ui/ and every deep link under it. */
  shell: Buffer;
  /** By URL path under /ui/ (`assets/app.js`, `vendor/preact.module.js`). */
  files: Map<string, Asset>;
  /** Content-Security-Policy: only this origin, plus the hash of the shell's inline import map. */
  csp: string;
}

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
};
/** Files of ui/ that are for the build or for readers, not for the browser. */
const NOT_SERVED = new Set(['index.html', 'vendor.json', 'README.md', 'vendor']);

/** dist/ui beside the compiled services, or ui/ at the root of the sources. */
export function defaultUiDir(): string {
  return join(import.meta.dirname, '..', '..', '..', 'ui');
}

function asset(path: string): Asset {
  return {
    body: readFileSync(path),
    contentType: CONTENT_TYPES[extname(path)] ?? 'application/octet-stream',
  };
}

/** A file of an installed package by its path inside it (packages' `exports` hide their dist/ files). */
function packageFile(modulePath: string): string {
  const pkg = modulePath.split('/')[0]!;
  for (const dir of createRequire(import.meta.url).resolve.paths(pkg) ?? []) {
    const path = join(dir, modulePath);
    if (existsSync(path)) return path;
  }
  throw new Error(`${modulePath} not found: is ${pkg} installed (npm ci)?`);
}

export function loadConsoleAssets(uiDir = defaultUiDir()): ConsoleAssets {
  const shellPath = join(uiDir, 'index.html');
  if (!existsSync(shellPath)) throw new Error(`the incident console is not built: ${shellPath} is missing`);
  const shell = readFileSync(shellPath);
  const files = new Map<string, Asset>();
  for (const name of readdirSync(uiDir)) {
    const path = join(uiDir, name);
    if (NOT_SERVED.has(name) || !statSync(path).isFile()) continue;
    files.set(`assets/${name}`, asset(path));
  }
  const vendor = JSON.parse(readFileSync(join(uiDir, 'vendor.json'), 'utf8')) as Record<string, string>;
  for (const [name, modulePath] of Object.entries(vendor)) {
    const built = join(uiDir, 'vendor', name);
    files.set(`vendor/${name}`, asset(existsSync(built) ? built : packageFile(modulePath)));
  }
  const importMap = /<script type="importmap">([\s\S]*?)<\/script>/.exec(shell.toString('utf8'))?.[1] ?? '';
  const mapHash = createHash('sha256').update(importMap).digest('base64');
  const csp = [
    "default-src 'self'",
    `script-src 'self' 'sha256-${mapHash}'`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  return { shell, files, csp };
}
