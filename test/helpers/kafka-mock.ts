/**
 * A real Kafka wire-protocol cluster for tests: librdkafka's mock cluster, started through Debian's kcat.
 * kcat prints `bootstrap.servers=127.0.0.1:PORT,...` on stderr and serves until killed. Topics are
 * auto-created with 4 partitions on first produce; the admin createTopics call is not supported.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

export interface KafkaMock {
  brokers: string[];
  stop(): Promise<void>;
}

const INSTALL_HINT = 'kcat is not installed: run `sudo apt-get install -y kcat` (Debian/Ubuntu)';

function assertInstalled(binary: string, hint: string): void {
  const found = spawnSync('sh', ['-c', `command -v ${binary}`], { encoding: 'utf8' });
  if (found.status !== 0) throw new Error(hint);
}

export async function startKafkaMock(
  opts: { brokers?: number; timeoutMs?: number } = {},
): Promise<KafkaMock> {
  assertInstalled('kcat', INSTALL_HINT);
  const child: ChildProcess = spawn(
    'kcat',
    [
      '-X',
      `test.mock.num.brokers=${opts.brokers ?? 3}`,
      '-d',
      'mock',
      '-b',
      'unused:9092',
      '-C',
      '-t',
      'keepalive',
      '-o',
      'end',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const brokers = await new Promise<string[]>((resolve, reject) => {
    let buffered = '';
    let found = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('kcat mock cluster did not print bootstrap.servers within the timeout'));
    }, opts.timeoutMs ?? 10_000);
    // The debug log is chatty: keep reading stderr for the life of the process so kcat never blocks on a full pipe.
    child.stderr!.on('data', (chunk: Buffer) => {
      if (found) return;
      buffered += chunk.toString('utf8');
      const match = /bootstrap\.servers=([0-9.:,]+)/.exec(buffered);
      if (match) {
        clearTimeout(timer);
        found = true;
        buffered = '';
        resolve(match[1]!.split(',').filter(Boolean));
      } else if (buffered.length > 1_000_000) buffered = buffered.slice(-10_000);
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (!found) reject(new Error(`kcat exited early with code ${code}`));
    });
  });
  return {
    brokers,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      }),
  };
}

/** Reads every record of a topic from the beginning (its own consumer group) until stopped. */
export interface TopicCollector {
  values: string[];
  records: Array<{ key: string | null; value: string; partition: number; offset: string }>;
  stop(): Promise<void>;
}

export async function collectTopic(brokers: string[], topic: string): Promise<TopicCollector> {
  const { Kafka, logLevel } = await import('kafkajs');
  const kafka = new Kafka({ clientId: 'test-collector', brokers, logLevel: logLevel.NOTHING });
  let stopped = false;
  const consumer = kafka.consumer({
    groupId: `collector-${topic}-${process.pid}-${Date.now()}`,
    maxWaitTimeInMs: 200,
    // No restart after stop(): a collector left fetching from a dead cluster spins and starves the worker.
    retry: { restartOnFailure: async () => !stopped },
  });
  const collector: TopicCollector = {
    values: [],
    records: [],
    stop: async () => {
      stopped = true;
      // kafkajs can wait on a fetch or a rebalance for minutes when leaving; the test has its values.
      await Promise.race([
        consumer.disconnect().catch(() => undefined),
        new Promise((resolve) => setTimeout(resolve, 10_000).unref()),
      ]);
    },
  };
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message, partition }) => {
      const value = message.value?.toString('utf8') ?? '';
      collector.values.push(value);
      collector.records.push({
        key: message.key?.toString('utf8') ?? null,
        value,
        partition,
        offset: message.offset,
      });
    },
  });
  return collector;
}
