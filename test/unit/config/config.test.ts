import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../config/load.js';
import { applyEnv } from '../../../config/overrides.js';
import { resolveConfig } from '../../../config/validate.js';
import { renderConfigReference } from '../../../config/docs.js';
import { MeshguardError } from '../../../pipelines/core/errors.js';

function errorOf(fn: () => unknown): MeshguardError {
  try {
    fn();
  } catch (error) {
    if (error instanceof MeshguardError) return error;
    throw error;
  }
  throw new Error('expected a MeshguardError');
}

describe('configuration', () => {
  it('fills every default from an empty file', () => {
    const cfg = resolveConfig({});
    expect(cfg.http.port).toBe(8080);
    expect(cfg.windowing.window_secs).toBe(10);
    expect(cfg.kafka.topics).toEqual({
      access_logs: 'mesh.access-logs',
      metrics: 'mesh.metrics',
      incidents: 'meshguard.incidents',
      dlq: 'meshguard.dlq',
      repartition: 'meshguard.access-logs.by-source',
    });
    expect(cfg.quarantine.protected_namespaces).toContain('kube-system');
  });

  it('names an unknown key and suggests the right one', () => {
    const e = errorOf(() => resolveConfig({ detectors: { lateral_movement: { treshold: 0.9 } } }));
    expect(e.code).toBe('MESHGUARD_ERR_CONFIG_UNKNOWN_KEY');
    expect(e.message).toContain(
      'detectors.lateral_movement: unknown key "treshold" (did you mean "threshold"?)',
    );
  });

  it('reports every invalid value at once, naming each key', () => {
    const e = errorOf(() => resolveConfig({ http: { port: 'eighty' }, windowing: { window_secs: 0 } }));
    expect(e.code).toBe('MESHGUARD_ERR_CONFIG_INVALID');
    expect(e.message).toContain('http.port');
    expect(e.message).toContain('windowing.window_secs');
  });

  it('lets environment variables override the file', () => {
    const cfg = resolveConfig(
      applyEnv(
        { kafka: { brokers: ['file:9092'] } },
        {
          MESHGUARD_KAFKA_BROKERS: 'a:9092, b:9092',
          MESHGUARD_REDIS_URL: 'redis://r:6379',
          MESHGUARD_POLICIES_DIR: '/p',
        },
      ),
    );
    expect(cfg.kafka.brokers).toEqual(['a:9092', 'b:9092']);
    expect(cfg.redis.url).toBe('redis://r:6379');
    expect(cfg.quarantine.policies_dir).toBe('/p');
  });

  it('keeps docs/config.md in step with the schema (run npm run generate after changing it)', () => {
    expect(readFileSync('docs/config.md', 'utf8')).toBe(renderConfigReference());
  });
});

describe('generated defaults', () => {
  it('match the schema defaults (run npm run generate after changing the schema)', async () => {
    const { DEFAULT_CONFIG } = await import('../../../config/defaults.generated.js');
    expect(DEFAULT_CONFIG).toEqual(resolveConfig({}));
  });

  it('are what commands get without a file or MESHGUARD_ variables', async () => {
    expect(await loadConfig({ env: {} })).toEqual(resolveConfig({}));
    const c = await loadConfig({ env: { MESHGUARD_REDIS_URL: 'redis://r:6379' } });
    expect(c.redis.url).toBe('redis://r:6379');
  });
});

describe('loadConfig', () => {
  const file = (text: string): string => {
    const path = join(mkdtempSync(join(tmpdir(), 'mg-config-')), 'meshguard.yaml');
    writeFileSync(path, text);
    return path;
  };

  it('returns a deeply frozen config', async () => {
    for (const cfg of [
      await loadConfig({ env: {} }),
      await loadConfig({ file: file('log_level: warn\n'), env: {} }),
    ]) {
      expect(Object.isFrozen(cfg)).toBe(true);
      expect(Object.isFrozen(cfg.http)).toBe(true);
      expect(Object.isFrozen(cfg.kafka.topics)).toBe(true);
      expect(() => {
        (cfg.http as { port: number }).port = 1;
      }).toThrow(TypeError);
    }
    // The generated defaults themselves stay untouched.
    expect((await loadConfig({ env: {}, overrides: { http: { port: 9 } } })).http.port).toBe(9);
    expect((await loadConfig({ env: {} })).http.port).toBe(8080);
  });

  it('applies file, then environment, then command-line overrides', async () => {
    const cfg = await loadConfig({
      file: file(
        'quarantine:\n  policies_dir: /from-file\nredis:\n  url: redis://file:6379\nhttp:\n  port: 9000\n',
      ),
      env: { MESHGUARD_POLICIES_DIR: '/from-env', MESHGUARD_REDIS_URL: 'redis://env:6379' },
      overrides: { quarantine: { policies_dir: '/from-cli' } },
    });
    expect(cfg.quarantine.policies_dir).toBe('/from-cli');
    expect(cfg.redis.url).toBe('redis://env:6379');
    expect(cfg.http.port).toBe(9000);
    expect(cfg.windowing.window_secs).toBe(10);
  });

  it('validates the overrides with the rest, naming the key', async () => {
    await expect(
      loadConfig({
        file: file('{}\n'),
        env: {},
        overrides: { quarantine: { sink: 'gitops', policies_dir: '' } },
      }),
    ).rejects.toThrow(/quarantine\.policies_dir/);
  });

  it('names a file it cannot read', async () => {
    await expect(loadConfig({ file: '/nonexistent/meshguard.yaml', env: {} })).rejects.toMatchObject({
      code: 'MESHGUARD_ERR_CONFIG_FILE',
    });
  });
});
