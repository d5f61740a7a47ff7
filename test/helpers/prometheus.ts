/**
 * Test helpers for the observability assets: run Debian's promtool, start a real Prometheus on a free port
 * scraping given targets, query it, and read metric names out of PromQL (to check that dashboards and rules
 * only use metrics meshguard declares).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Metrics } from '../../pipelines/core/metrics.js';

const INSTALL_HINTS: Record<string, string> = {
  promtool:
    'promtool is not installed: run `sudo apt-get install -y prometheus` (Debian/Ubuntu; it ships promtool)',
  prometheus: 'prometheus is not installed: run `sudo apt-get install -y prometheus` (Debian/Ubuntu)',
};

/** Throws with the apt-get command that installs `binary` when it is missing: tests never skip. */
export function requireBinary(binary: 'promtool' | 'prometheus'): string {
  const found = spawnSync('sh', ['-c', `command -v ${binary}`], { encoding: 'utf8' });
  if (found.status !== 0 || !found.stdout.trim()) throw new Error(INSTALL_HINTS[binary]);
  return found.stdout.trim();
}

export interface RunResult {
  status: number | null;
  output: string;
}

/** Runs promtool with `args` (and `input` on stdin); output is stdout and stderr together. */
export function promtool(args: string[], opts: { cwd?: string; input?: string } = {}): RunResult {
  const bin = requireBinary('promtool');
  const result = spawnSync(bin, args, {
    cwd: opts.cwd,
    input: opts.input,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, output: `${result.stdout ?? ''}${result.stderr ?? ''}` };
}

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

/** Thrown from a waitFor probe to stop waiting at once (e.g. the process under test exited). */
export class GiveUp extends Error {}

/** Polls `probe` until it returns a value; thrown errors are retried (and reported on timeout), except GiveUp. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  opts: { timeoutMs: number; intervalMs?: number },
): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      if (error instanceof GiveUp) throw error;
      lastError = error;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${opts.timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`,
      );
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 250));
  }
}

export interface PrometheusServer {
  url: string;
  /** The last lines Prometheus logged, for failure messages. */
  logs(): string;
  stop(): Promise<void>;
}

export interface ScrapeJob {
  job: string;
  target: string; // host:port
}

/** Starts /usr/bin/prometheus on a free port with a temporary TSDB, scraping `jobs` every `scrapeIntervalSecs`. */
export async function startPrometheus(opts: {
  jobs: ScrapeJob[];
  scrapeIntervalSecs?: number;
  ruleFiles?: string[];
}): Promise<PrometheusServer> {
  const bin = requireBinary('prometheus');
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'meshguard-prometheus-'));
  const interval = `${opts.scrapeIntervalSecs ?? 1}s`;
  const config = {
    global: { scrape_interval: interval, evaluation_interval: interval, scrape_timeout: interval },
    rule_files: opts.ruleFiles ?? [],
    scrape_configs: opts.jobs.map((j) => ({ job_name: j.job, static_configs: [{ targets: [j.target] }] })),
  };
  const configFile = join(dir, 'prometheus.yml');
  // JSON is valid YAML: no serializer needed.
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  const child: ChildProcess = spawn(
    bin,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    log = (log + chunk.toString('utf8')).slice(-20_000);
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      });
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(
      'prometheus to be ready',
      async () => {
        if (child.exitCode !== null) throw new GiveUp(`prometheus exited with ${child.exitCode}: ${log}`);
        const res = await fetch(`${url}/-/ready`);
        return res.ok ? true : undefined;
      },
      { timeoutMs: 20_000 },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, logs: () => log, stop };
}

export interface Series {
  metric: Record<string, string>;
  value: [number, string];
}

/** An instant query; throws on a PromQL error so a broken dashboard query fails loudly. */
export async function instantQuery(url: string, expr: string): Promise<Series[]> {
  const res = await fetch(`${url}/api/v1/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ query: expr }),
  });
  const body = (await res.json()) as {
    status: string;
    error?: string;
    data?: { resultType: string; result: Series[] };
  };
  if (body.status !== 'success') throw new Error(`query failed: ${expr}: ${body.error ?? res.status}`);
  if (body.data?.resultType === 'scalar')
    return [{ metric: {}, value: body.data.result as unknown as [number, string] }];
  return body.data?.result ?? [];
}

/** Every metric name meshguard can export, including the _bucket/_sum/_count series prom-client adds to histograms. */
export async function declaredMetricNames(): Promise<Set<string>> {
  const metrics = new Metrics();
  const names = new Set<string>();
  for (const m of await metrics.registry.getMetricsAsJSON()) {
    names.add(m.name);
    if (String(m.type) === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(m.name + s);
  }
  return names;
}

const PROMQL_WORDS = new Set([
  // aggregations and keywords
  'sum',
  'min',
  'max',
  'avg',
  'group',
  'stddev',
  'stdvar',
  'count',
  'count_values',
  'bottomk',
  'topk',
  'quantile',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'offset',
  'bool',
  'inf',
  'nan',
  // functions
  'abs',
  'absent',
  'absent_over_time',
  'ceil',
  'changes',
  'clamp',
  'clamp_max',
  'clamp_min',
  'day_of_month',
  'day_of_week',
  'day_of_year',
  'days_in_month',
  'delta',
  'deriv',
  'exp',
  'floor',
  'histogram_count',
  'histogram_sum',
  'histogram_fraction',
  'histogram_quantile',
  'holt_winters',
  'hour',
  'idelta',
  'increase',
  'irate',
  'label_join',
  'label_replace',
  'ln',
  'log2',
  'log10',
  'minute',
  'month',
  'predict_linear',
  'rate',
  'resets',
  'round',
  'scalar',
  'sgn',
  'sort',
  'sort_desc',
  'sqrt',
  'time',
  'timestamp',
  'vector',
  'year',
  'avg_over_time',
  'min_over_time',
  'max_over_time',
  'sum_over_time',
  'count_over_time',
  'quantile_over_time',
  'stddev_over_time',
  'stdvar_over_time',
  'last_over_time',
  'present_over_time',
]);

/**
 * Metric names used in a PromQL expression (Grafana variables allowed). Strings, label matchers, grouping
 * clauses, ranges and numbers are removed first; what is left that is not a PromQL word is a metric name.
 */
export function metricNamesIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\{?\w+\}?/g, ' ')
    .replace(/\b\d+(\.\d+)?([eE][+-]?\d+)?[smhdwy]?\b/g, ' ');
  const names = new Set<string>();
  for (const match of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const word = match[0];
    if (!PROMQL_WORDS.has(word.toLowerCase())) names.add(word);
  }
  return [...names];
}

/** Replaces Grafana's built-in and dashboard variables with concrete values Prometheus accepts. */
export function substituteGrafanaVariables(expr: string, vars: Record<string, string>): string {
  return expr.replace(
    /\$\{(\w+)(?::\w+)?\}|\$(\w+)/g,
    (whole, braced: string | undefined, bare: string | undefined) => {
      const name = braced ?? bare ?? '';
      const value = vars[name];
      if (value === undefined) throw new Error(`no value for Grafana variable ${whole} in: ${expr}`);
      return value;
    },
  );
}
