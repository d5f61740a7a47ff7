/**
 * Secure by default, against real servers: `serve` refuses open ingest on a non-loopback address and a
 * Redis without a password unless the config allows them (then warns and exports a metric), and warns
 * about unsigned webhooks.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { resolveConfig } from '../../config/validate.js';
import { Metrics } from '../../pipelines/core/metrics.js';
import { checkPosture, isLoopback } from '../../services/posture.js';
import { Service } from '../../services/service.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';

function recordingLogger(): { logger: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { logger: pino({ level: 'warn' }, sink), lines };
}

async function insecure(metrics: Metrics): Promise<string> {
  return metrics.registry.getSingleMetricAsString('meshguard_insecure_setting');
}

describe('serve refuses open ingest beyond loopback', () => {
  it('knows loopback addresses', () => {
    for (const h of ['127.0.0.1', '127.8.0.1', 'localhost', '::1', '[::1]']) expect(isLoopback(h)).toBe(true);
    for (const h of ['0.0.0.0', '::', '10.0.0.4', 'meshguard.svc']) expect(isLoopback(h)).toBe(false);
  });

  it('will not start on 0.0.0.0 without an ingest token, and names the fix', async () => {
    const { logger } = recordingLogger();
    const cfg = resolveConfig({ http: { host: '0.0.0.0', port: 0 }, log_level: 'silent' });
    const service = new Service(cfg, 'all', logger);
    await expect(service.start()).rejects.toThrow(/ingest\.token.*allow_unauthenticated/s);
    await service.stop();
  });

  it('starts on loopback without a token, and on 0.0.0.0 with one', async () => {
    for (const http of [{ host: '127.0.0.1' }, { host: '0.0.0.0' }]) {
      const { logger } = recordingLogger();
      const cfg = resolveConfig({
        http: { ...http, port: 0 },
        ...(http.host === '0.0.0.0' ? { ingest: { token: 'tok' } } : {}),
      });
      const service = new Service(cfg, 'all', logger);
      await service.start();
      expect(await insecure(service.metrics)).not.toContain('setting="unauthenticated_ingest"');
      await service.stop();
    }
  });

  it('a scorer-only process serves no ingest and needs no ingest token', async () => {
    const metrics = new Metrics();
    const cfg = resolveConfig({ http: { host: '0.0.0.0' } });
    await expect(
      checkPosture(cfg, { logger: recordingLogger().logger, metrics, servesIngest: false }),
    ).resolves.toBeUndefined();
  });

  it('with allow_unauthenticated it starts, warns and exports meshguard_insecure_setting', async () => {
    const { logger, lines } = recordingLogger();
    const cfg = resolveConfig({
      http: { host: '0.0.0.0', port: 0 },
      ingest: { allow_unauthenticated: true },
    });
    const service = new Service(cfg, 'all', logger);
    await service.start();
    await service.stop();
    expect(lines.join('')).toMatch(/Ingest is open to anyone/);
    expect(await insecure(service.metrics)).toContain(
      'meshguard_insecure_setting{setting="unauthenticated_ingest"} 1',
    );
  });

  it('warns about a webhook without a signing secret', async () => {
    const { logger, lines } = recordingLogger();
    const metrics = new Metrics();
    const cfg = resolveConfig({
      http: { host: '127.0.0.1' },
      alerts: { channels: [{ type: 'webhook', url: 'https://hooks.example.com/x' }] },
    });
    await checkPosture(cfg, { logger, metrics, servesIngest: true });
    expect(lines.join('')).toMatch(/no signing secret/);
    expect(await insecure(metrics)).toContain('meshguard_insecure_setting{setting="unsigned_webhook"} 1');
  });

  it('warns about Kafka reached without SASL or TLS, and not once both are set', async () => {
    const check = async (kafka: Record<string, unknown>) => {
      const { logger, lines } = recordingLogger();
      const metrics = new Metrics();
      const cfg = resolveConfig({
        http: { host: '127.0.0.1' },
        kafka: { brokers: ['kafka.data.svc:9093'], ...kafka },
      });
      await checkPosture(cfg, { logger, metrics, servesIngest: true });
      return { log: lines.join(''), metrics: await insecure(metrics) };
    };
    const plain = await check({});
    expect(plain.log).toMatch(/Kafka is reached without SASL in plaintext/);
    expect(plain.metrics).toContain('meshguard_insecure_setting{setting="unauthenticated_kafka"} 1');
    const noTls = await check({ sasl: { mechanism: 'scram-sha-512', username: 'm', password: 'p' } });
    expect(noTls.log).toMatch(/with SASL but without TLS/);
    const secured = await check({
      tls: true,
      sasl: { mechanism: 'scram-sha-512', username: 'm', password: 'p' },
    });
    expect(secured.metrics).not.toContain('unauthenticated_kafka');
  });
});

describe('serve refuses a Redis that accepts clients without a password', () => {
  let open: RedisServer;
  let locked: RedisServer;
  beforeAll(async () => {
    [open, locked] = await Promise.all([startRedis(undefined, { password: '' }), startRedis()]);
  });
  afterAll(async () => {
    await Promise.all([open?.stop(), locked?.stop()]);
  });

  const posture = (
    redis: Record<string, unknown>,
    metrics = new Metrics(),
    logger = recordingLogger().logger,
  ) =>
    checkPosture(resolveConfig({ http: { host: '127.0.0.1' }, redis }), {
      logger,
      metrics,
      servesIngest: true,
    });

  it('refuses a Redis without requirepass', async () => {
    await expect(posture({ url: open.url })).rejects.toThrow(/Redis accepts clients without a password/);
  });

  it('starts against a Redis with requirepass, the password given in the URL or in redis.password', async () => {
    await expect(posture({ url: locked.url })).resolves.toBeUndefined();
    await expect(
      posture({ url: `redis://127.0.0.1:${locked.port}`, password: locked.password }),
    ).resolves.toBeUndefined();
  });

  it('with redis.allow_unauthenticated it starts, warns and exports the metric', async () => {
    const metrics = new Metrics();
    const { logger, lines } = recordingLogger();
    await posture({ url: open.url, allow_unauthenticated: true }, metrics, logger);
    expect(lines.join('')).toMatch(/spend the quarantine cap/);
    expect(await insecure(metrics)).toContain(
      'meshguard_insecure_setting{setting="unauthenticated_redis"} 1',
    );
  });

  it('the whole service keeps state in a password-protected Redis', async () => {
    const cfg = resolveConfig({
      http: { host: '127.0.0.1', port: 0 },
      log_level: 'silent',
      redis: { url: `redis://127.0.0.1:${locked.port}`, password: locked.password },
    });
    const service = new Service(cfg, 'all', recordingLogger().logger);
    await service.start();
    expect(service.scoringParts!.settings.state.healthy()).toBe(true);
    await service.stop();
  });
});
