/**
 * The dashboard against real data: `meshguard demo` runs the whole pipeline on simulated traffic and serves
 * /metrics; a real Prometheus scrapes it every second; then every Grafana panel query must return at least
 * one series, and the exposition must pass `promtool check metrics`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  GiveUp,
  freePort,
  instantQuery,
  promtool,
  startPrometheus,
  substituteGrafanaVariables,
  waitFor,
  type PrometheusServer,
} from '../helpers/prometheus.js';
import { ensureBuilt } from '../helpers/build.js';

const ROOT = join(import.meta.dirname, '../..');
const JOB = 'meshguard-demo';

/** Values for the Grafana variables the dashboard uses; 1m covers many 1s scrapes. */
const GRAFANA_VARS: Record<string, string> = {
  __rate_interval: '1m',
  __interval: '15s',
  __range: '1h',
  job: '.+',
  datasource: 'prometheus',
};

interface PanelQuery {
  panel: string;
  refId: string;
  expr: string;
}

function dashboardQueries(): PanelQuery[] {
  const dashboard = JSON.parse(
    readFileSync(join(ROOT, 'deploy/grafana/dashboards/meshguard.json'), 'utf8'),
  ) as {
    panels: Array<{ type: string; title: string; targets?: Array<{ refId: string; expr: string }> }>;
  };
  return dashboard.panels
    .filter((p) => p.type !== 'row')
    .flatMap((p) =>
      (p.targets ?? []).map((t) => ({
        panel: p.title,
        refId: t.refId,
        expr: substituteGrafanaVariables(t.expr, GRAFANA_VARS),
      })),
    );
}

// The demo runs long enough for every step below; when it ends, Prometheus marks its series stale, so the
// panel queries must be answered while it still runs. afterAll stops it early.
describe('Grafana dashboard on live meshguard demo metrics', () => {
  let demo: ChildProcess | undefined;
  let demoLog = '';
  let metricsUrl = '';
  let prometheus: PrometheusServer | undefined;
  const queries = dashboardQueries();

  beforeAll(async () => {
    ensureBuilt();
    const port = await freePort();
    metricsUrl = `http://127.0.0.1:${port}`;
    demo = spawn(
      process.execPath,
      [join(ROOT, 'bin/meshguard.js'), 'demo', '--port', String(port), '--duration', '240s'],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const keep = (chunk: Buffer): void => {
      demoLog = (demoLog + chunk.toString('utf8')).slice(-8000);
    };
    demo.stdout!.on('data', keep);
    demo.stderr!.on('data', keep);
    await waitFor(
      'meshguard demo to serve /metrics',
      async () => {
        if (demo!.exitCode !== null)
          throw new GiveUp(`meshguard demo exited with ${demo!.exitCode}:\n${demoLog}`);
        const res = await fetch(`${metricsUrl}/metrics`);
        return res.ok ? true : undefined;
      },
      { timeoutMs: 60_000 },
    );
    prometheus = await startPrometheus({
      jobs: [{ job: JOB, target: `127.0.0.1:${port}` }],
      scrapeIntervalSecs: 1,
    });
  }, 240_000);

  afterAll(async () => {
    await prometheus?.stop();
    if (demo && demo.exitCode === null && demo.signalCode === null) {
      await new Promise<void>((resolve) => {
        demo!.once('exit', () => resolve());
        demo!.kill('SIGTERM');
        setTimeout(() => demo!.kill('SIGKILL'), 5000).unref();
      });
    }
  }, 30_000);

  it('serves /healthz and /readyz for the Kubernetes probes', async () => {
    expect((await fetch(`${metricsUrl}/healthz`)).status).toBe(200);
    await waitFor(
      '/readyz to answer 200',
      async () => ((await fetch(`${metricsUrl}/readyz`)).ok ? true : undefined),
      {
        timeoutMs: 20_000,
      },
    );
  }, 30_000);

  it('is scraped by Prometheus', async () => {
    const up = await waitFor(
      `up{job="${JOB}"} == 1`,
      async () => {
        const r = await instantQuery(prometheus!.url, `up{job="${JOB}"} == 1`);
        return r.length ? r : undefined;
      },
      { timeoutMs: 20_000 },
    );
    expect(up).toHaveLength(1);
  }, 30_000);

  it('exposes metrics that pass `promtool check metrics`', async () => {
    const text = await (await fetch(`${metricsUrl}/metrics`)).text();
    expect(text).toContain('meshguard_build_info');
    const result = promtool(['check', 'metrics'], { input: text });
    const problems = result.output
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    expect(problems).toEqual([]);
    expect(result.status, result.output).toBe(0);
  }, 30_000);

  it('returns at least one series for every dashboard panel query', async () => {
    expect(queries.length).toBeGreaterThan(10);
    // Data needs time to flow: incidents, quarantines and alerts come after the detectors' learning period.
    let empty: PanelQuery[] = queries;
    try {
      await waitFor(
        'every panel query to return data',
        async () => {
          const results = await Promise.all(
            queries.map(async (q) => ({ q, n: (await instantQuery(prometheus!.url, q.expr)).length })),
          );
          empty = results.filter((r) => r.n === 0).map((r) => r.q);
          return empty.length === 0 ? true : undefined;
        },
        { timeoutMs: 100_000, intervalMs: 2000 },
      );
    } catch {
      // Fall through to the assertion below, which names every empty panel.
    }
    expect(
      empty.map((q) => `${q.panel} [${q.refId}]: ${q.expr}`),
      `panels without data after 100s of demo traffic (demo log tail:\n${demoLog.slice(-1500)})`,
    ).toEqual([]);
  }, 130_000);
});
