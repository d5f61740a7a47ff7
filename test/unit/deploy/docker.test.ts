import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';

const ROOT = join(import.meta.dirname, '../../..');
const dockerfile = readFileSync(join(ROOT, 'deploy/docker/Dockerfile'), 'utf8');
/** Instructions with continuation lines joined and comments dropped. */
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));
const stages = instructions.filter((l) => /^FROM /i.test(l));
const runtime = instructions.slice(instructions.lastIndexOf(stages.at(-1)!));

describe('Dockerfile', () => {
  it('is multi-stage on node:20-bookworm-slim', () => {
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:20-bookworm-slim$/m);
    expect(stages).toEqual(['FROM ${NODE_IMAGE} AS build', 'FROM ${NODE_IMAGE} AS runtime']);
  });

  it('builds with npm ci and prunes to production dependencies', () => {
    const build = instructions.slice(0, instructions.indexOf(stages[1]!)).join('\n');
    expect(build).toMatch(/RUN npm ci\b/);
    expect(build).toMatch(/npm run build/);
    expect(build).toMatch(/npm prune --omit=dev/);
  });

  it('copies every source folder the build compiles', () => {
    const tsconfig = JSON.parse(readFileSync(join(ROOT, 'tsconfig.build.json'), 'utf8')) as {
      include: string[];
    };
    for (const dir of tsconfig.include) expect(instructions).toContain(`COPY ${dir} ./${dir}`);
  });

  it('runs as UID 10001 with the CLI as entrypoint and no HEALTHCHECK', () => {
    expect(runtime).toContain('USER 10001:10001');
    expect(runtime.findLast((l) => l.startsWith('USER '))).toBe('USER 10001:10001');
    expect(runtime).toContain('ENTRYPOINT ["node", "bin/meshguard.js"]');
    expect(instructions.some((l) => /^HEALTHCHECK/i.test(l))).toBe(false);
  });

  it('copies only build output and production dependencies into the runtime stage', () => {
    const copies = runtime.filter((l) => l.startsWith('COPY'));
    for (const c of copies) expect(c).toMatch(/^COPY --from=build /);
    expect(copies.join('\n')).not.toMatch(/\/app\/(services|pipelines|models|test)\b/);
  });

  it('gives the non-root user a writable data directory (read-only root filesystem)', () => {
    expect(runtime.join('\n')).toMatch(/chown -R 10001:10001 \/var\/lib\/meshguard/);
    expect(runtime.join('\n')).toMatch(/MESHGUARD_POLICIES_DIR=\/var\/lib\/meshguard\/policies/);
  });
});

describe('.dockerignore', () => {
  const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));

  it('keeps node_modules, build output, tests and git history out of the build context', () => {
    for (const p of ['node_modules', 'dist', 'test', '.git', '.env']) expect(ignored).toContain(p);
  });

  it('does not ignore anything the build copies', () => {
    const copied = instructions
      .filter((l) => l.startsWith('COPY ') && !l.includes('--from='))
      .flatMap((l) =>
        l
          .replace(/^COPY /, '')
          .split(/\s+/)
          .slice(0, -1),
      );
    for (const source of copied) expect(ignored, source).not.toContain(source);
    // The compose file builds from the repository root with this Dockerfile.
    const compose = parseYaml(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true });
    expect(compose.services['meshguard-scorer'].build.context).toBe('.');
  });
});
