import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { declaredMetricNames, metricNamesIn } from '../../helpers/prometheus.js';

const ROOT = join(import.meta.dirname, '../../..');
const GRAFANA = join(ROOT, 'deploy/grafana');

interface Target {
  expr?: string;
  refId?: string;
  datasource?: { type?: string; uid?: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
  gridPos: { x: number; y: number; w: number; h: number };
}
interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  templating: { list: Array<{ name: string; type: string; query?: unknown }> };
  panels: Panel[];
}

const dashboard = JSON.parse(readFileSync(join(GRAFANA, 'dashboards/meshguard.json'), 'utf8')) as Dashboard;
const queryPanels = dashboard.panels.filter((p) => p.type !== 'row');
const allExprs = queryPanels.flatMap((p) => (p.targets ?? []).map((t) => t.expr ?? ''));

/** Metrics Prometheus itself adds to every target. */
const PROMETHEUS_SERIES = new Set(['up']);

describe('Grafana dashboard', () => {
  let declared: Set<string>;
  beforeAll(async () => {
    declared = await declaredMetricNames();
  });

  it('is provisioning-ready: stable uid, title, schemaVersion ~39 and a Prometheus datasource variable', () => {
    expect(dashboard.uid).toBe('meshguard-overview');
    expect(dashboard.title).toBe('meshguard');
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(dashboard.schemaVersion).toBeLessThanOrEqual(41);
    const ds = dashboard.templating.list.find((v) => v.name === 'datasource');
    expect(ds).toMatchObject({ type: 'datasource', query: 'prometheus' });
    // A provisioned dashboard must not carry an `id` from the instance it was exported from.
    expect(dashboard).not.toHaveProperty('id');
  });

  it('gives every panel a unique id and at least one query on the ${datasource} variable', () => {
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(queryPanels.length).toBeGreaterThanOrEqual(12);
    for (const panel of queryPanels) {
      expect(panel.datasource?.uid, panel.title).toBe('${datasource}');
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      const refIds = new Set<string>();
      for (const target of panel.targets ?? []) {
        expect(target.expr?.trim(), panel.title).toBeTruthy();
        expect(target.datasource?.uid, panel.title).toBe('${datasource}');
        expect(refIds.has(target.refId ?? ''), `${panel.title}: duplicate refId`).toBe(false);
        refIds.add(target.refId ?? '');
      }
    }
  });

  it('queries only metrics that meshguard declares in pipelines/runtime/metrics.ts', () => {
    for (const panel of queryPanels) {
      for (const target of panel.targets ?? []) {
        const names = metricNamesIn(target.expr ?? '');
        expect(names.length, `${panel.title}: ${target.expr}`).toBeGreaterThan(0);
        for (const name of names)
          expect(
            declared.has(name) || PROMETHEUS_SERIES.has(name),
            `${panel.title} uses undeclared metric ${name}`,
          ).toBe(true);
      }
    }
  });

  it('covers what on-call and SRE need', () => {
    const used = new Set(allExprs.flatMap(metricNamesIn));
    for (const name of [
      'meshguard_incidents_total',
      'meshguard_quarantines_active',
      'meshguard_workload_anomaly_score',
      'meshguard_events_ingested_total',
      'meshguard_events_rejected_total',
      'meshguard_consumer_lag_messages',
      'meshguard_pipeline_lag_seconds',
      'meshguard_detection_latency_seconds_bucket',
      'meshguard_alerts_sent_total',
      'meshguard_alerts_failed_total',
      'meshguard_dead_letter_records_total',
      'meshguard_dependency_up',
      'meshguard_entities_tracked',
    ])
      expect(used, name).toContain(name);
    expect(
      allExprs.some((e) => /histogram_quantile\(0\.99,.*meshguard_detection_latency_seconds_bucket/.test(e)),
    ).toBe(true);
    expect(
      allExprs.some((e) => /histogram_quantile\(0\.5,.*meshguard_detection_latency_seconds_bucket/.test(e)),
    ).toBe(true);
  });

  it('aggregates histogram buckets by le, and uses rate only on counters and histograms', () => {
    for (const expr of allExprs.filter((e) => e.includes('histogram_quantile')))
      expect(expr).toMatch(/by \([^)]*\ble\b/);
    for (const expr of allExprs) {
      for (const m of expr.matchAll(/(?:rate|increase)\((\w+)/g))
        expect(m[1], expr).toMatch(/(_total|_bucket|_count|_sum)$/);
    }
  });

  it('lays panels out without overlaps inside the 24-column grid', () => {
    const cells = new Set<string>();
    for (const panel of dashboard.panels) {
      const { x, y, w, h } = panel.gridPos;
      expect(x + w, panel.title).toBeLessThanOrEqual(24);
      for (let i = x; i < x + w; i++)
        for (let j = y; j < y + h; j++) {
          const key = `${i},${j}`;
          expect(cells.has(key), `${panel.title} overlaps at ${key}`).toBe(false);
          cells.add(key);
        }
    }
  });
});

describe('Grafana provisioning', () => {
  it('provisions a Prometheus datasource', () => {
    const ds = parseYaml(readFileSync(join(GRAFANA, 'provisioning/datasources/prometheus.yaml'), 'utf8'));
    expect(ds.apiVersion).toBe(1);
    expect(ds.datasources).toEqual([
      expect.objectContaining({ type: 'prometheus', url: 'http://prometheus:9090' }),
    ]);
  });

  it('loads dashboards from the folder docker-compose mounts the dashboard JSON into', () => {
    const provider = parseYaml(readFileSync(join(GRAFANA, 'provisioning/dashboards/meshguard.yaml'), 'utf8'));
    const path: string = provider.providers[0].options.path;
    const compose = parseYaml(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true });
    const mounts: string[] = compose.services.grafana.volumes;
    expect(mounts).toContain(`./deploy/grafana/dashboards:${path}:ro`);
    expect(existsSync(join(GRAFANA, 'dashboards/meshguard.json'))).toBe(true);
  });
});

describe('metricNamesIn', () => {
  it('finds metric names and ignores functions, labels, ranges and Grafana variables', () => {
    expect(
      metricNamesIn(
        'histogram_quantile(0.99, sum by (le) (rate(meshguard_detection_latency_seconds_bucket{job=~"$job"}[$__rate_interval])))',
      ),
    ).toEqual(['meshguard_detection_latency_seconds_bucket']);
    expect(metricNamesIn('sum(a_total) / on() group_left b_total or vector(0)').sort()).toEqual([
      'a_total',
      'b_total',
    ]);
    expect(metricNamesIn('topk(10, max by (workload) (x{y="z"}))')).toEqual(['x']);
  });
});
