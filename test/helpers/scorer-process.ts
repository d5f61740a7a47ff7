/**
 * `meshguard serve --role scorer` as a child process (so it can be killed like a pod), with its JSON log
 * lines collected for the test to read: which partitions it joined with, which batches it handed over.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = join(import.meta.dirname, '..', '..');

export interface LogLine {
  msg?: string;
  level?: number;
  topic?: string;
  partition?: number;
  fromOffset?: string;
  toOffset?: string;
  events?: number;
  rejected?: number;
  entities?: number;
  partitions?: string[];
  [key: string]: unknown;
}

export class ScorerProcess {
  readonly logs: LogLine[] = [];
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;

  constructor(
    configFile: string,
    env: Record<string, string>,
    readonly name = 'scorer',
  ) {
    this.child = spawn(
      process.execPath,
      ['bin/meshguard.js', 'serve', '--role', 'scorer', '--port', '0', '--config', configFile],
      { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    // MESHGUARD_TEST_LOG_DIR keeps each replica's log lines in a file (for a failed run's post-mortem).
    const logFile = process.env.MESHGUARD_TEST_LOG_DIR
      ? join(process.env.MESHGUARD_TEST_LOG_DIR, `${name}.log`)
      : undefined;
    createInterface({ input: this.child.stderr! }).on('line', (line) => {
      if (logFile) appendFileSync(logFile, `${line}\n`);
      try {
        this.logs.push(JSON.parse(line) as LogLine);
      } catch {
        this.logs.push({ msg: line });
      }
    });
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  has(msg: string): boolean {
    return this.logs.some((l) => l.msg === msg);
  }

  /** Partitions of `topic` this replica owned after its last group join (undefined before any). */
  lastAssignment(topic: string): string[] | undefined {
    const joined = [...this.logs].reverse().find((l) => l.msg === 'Joined the consumer group');
    return joined?.partitions?.filter((p) => p.startsWith(`${topic}/`));
  }

  /** Hand-offs of records of `topic` (logged at debug level). */
  batches(topic: string): LogLine[] {
    return this.logs.filter((l) => l.msg === 'Batch handed over' && l.topic === topic);
  }
}
