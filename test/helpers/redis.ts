/** A real redis-server for tests, on a free port, with persistence off; stopped after. */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, connect } from 'node:net';

export interface RedisServer {
  port: number;
  /** With the password in it when the server requires one (the default). */
  url: string;
  /** The requirepass of the server ('' when started with { password: '' }). */
  password: string;
  stop(): Promise<void>;
  /** Stop and start again on the same port (to test outages); the data is gone. */
  restart(): Promise<void>;
}

const INSTALL_HINT =
  'redis-server is not installed: run `sudo apt-get install -y redis-server` (Debian/Ubuntu)';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline)
      throw new Error(`redis-server did not listen on ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Started with a password (requirepass), as meshguard's `serve` demands; `{ password: '' }` starts one that
 * accepts anyone, to test that refusal.
 */
export async function startRedis(port?: number, opts: { password?: string } = {}): Promise<RedisServer> {
  if (spawnSync('sh', ['-c', 'command -v redis-server']).status !== 0) throw new Error(INSTALL_HINT);
  const chosen = port ?? (await freePort());
  const password = opts.password ?? `test-${randomBytes(8).toString('hex')}`;
  const launch = () => start(chosen, password);
  let child = launch();
  await waitForPort(chosen, 10_000);
  const stop = (): Promise<void> =>
    new Promise<void>((resolve) => {
      const current = child;
      if (current.exitCode !== null || current.signalCode !== null) return resolve();
      current.once('exit', () => resolve());
      current.kill('SIGTERM');
      setTimeout(() => current.kill('SIGKILL'), 3000).unref();
    });
  return {
    port: chosen,
    url: password ? `redis://:${password}@127.0.0.1:${chosen}` : `redis://127.0.0.1:${chosen}`,
    password,
    stop,
    restart: async () => {
      await stop();
      child = launch();
      await waitForPort(chosen, 10_000);
    },
  };
}

function start(port: number, password: string) {
  return spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      ...(password ? ['--requirepass', password] : []),
    ],
    {
      stdio: 'ignore',
    },
  );
}
