import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { BACKEND_ENV, initBackend, loadTf, resetBackendForTests } from '../../../../models/neural/backend.js';

function capturingLogger(): { logger: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

describe('initBackend', () => {
  afterEach(() => {
    delete process.env[BACKEND_ENV];
    resetBackendForTests();
  });

  it('falls back from tfjs-node (not installable here) to wasm, logging why', async () => {
    const { logger, lines } = capturingLogger();
    const backend = await initBackend(logger);
    const tf = await loadTf();
    expect(backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    const selected = lines.find((l) => l.msg === 'TensorFlow.js backend selected')!;
    expect(selected).toMatchObject({ level: 30, backend: 'wasm' });
    expect((selected.skipped as Record<string, string>).tensorflow).toMatch(
      /Cannot find (package|module) '@tensorflow\/tfjs-node'/,
    );
    // Chosen once per process: a second call neither re-selects nor logs again.
    expect(await initBackend(logger)).toBe('wasm');
    expect(lines.filter((l) => l.msg === 'TensorFlow.js backend selected')).toHaveLength(1);
  });

  it('honours MESHGUARD_TF_BACKEND=cpu and computes on the pure-JS backend', async () => {
    process.env[BACKEND_ENV] = 'cpu';
    const { logger, lines } = capturingLogger();
    expect(await initBackend(logger)).toBe('cpu');
    const tf = await loadTf();
    expect(tf.getBackend()).toBe('cpu');
    expect(tf.tidy(() => tf.add(tf.scalar(2), tf.scalar(3)).dataSync()[0])).toBe(5);
    expect(lines.find((l) => l.msg === 'TensorFlow.js backend selected')).toMatchObject({
      backend: 'cpu',
      skipped: {},
    });
  });

  it('ignores an unknown MESHGUARD_TF_BACKEND value with a warning', async () => {
    process.env[BACKEND_ENV] = 'gpu';
    const { logger, lines } = capturingLogger();
    expect(['tensorflow', 'wasm']).toContain(await initBackend(logger));
    expect(lines.find((l) => l.level === 40)?.msg).toMatch(
      /Ignoring MESHGUARD_TF_BACKEND: not a known backend/,
    );
  });
});
