import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { declaredMetricNames, metricNamesIn, promtool } from '../../helpers/prometheus.js';

const DIR = join(import.meta.dirname, '../../../deploy/prometheus');

interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
const rules = parseYaml(readFileSync(join(DIR, 'rules.yml'), 'utf8')) as {
  groups: Array<{ name: string; rules: AlertRule[] }>;
};
const alerts = rules.groups.flatMap((g) => g.rules);
const ruleTests = parseYaml(readFileSync(join(DIR, 'rules.test.yml'), 'utf8')) as {
  tests: Array<{ alert_rule_test: Array<{ alertname: string; exp_alerts: unknown[] }> }>;
};

describe('Prometheus alert rules', () => {
  it('pass `promtool check rules`', () => {
    const result = promtool(['check', 'rules', 'rules.yml'], { cwd: DIR });
    expect(result.output).toContain('SUCCESS');
    expect(result.status, result.output).toBe(0);
  });

  it('pass their unit tests (`promtool test rules rules.test.yml`)', () => {
    const result = promtool(['test', 'rules', 'rules.test.yml'], { cwd: DIR });
    expect(result.status, result.output).toBe(0);
    expect(result.output).toContain('SUCCESS');
  });

  it('promtool test rules fails when a rule changes under its tests (the tests can fail)', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'meshguard-rules-'));
    try {
      const broken = structuredClone(rules);
      const redis = broken.groups[0]!.rules.find((r) => r.alert === 'MeshguardRedisDown')!;
      redis.for = '30m';
      writeFileSync(join(tmp, 'rules.yml'), stringifyYaml(broken));
      copyFileSync(join(DIR, 'rules.test.yml'), join(tmp, 'rules.test.yml'));
      const result = promtool(['test', 'rules', 'rules.test.yml'], { cwd: tmp });
      expect(result.status).not.toBe(0);
      expect(result.output).toContain('MeshguardRedisDown');
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('cover the health signals an operator needs', () => {
    const names = alerts.map((a) => a.alert);
    for (const name of [
      'MeshguardScorerDown',
      'MeshguardIngestDown',
      'MeshguardNoEventsIngested',
      'MeshguardConsumerLagGrowing',
      'MeshguardPipelineLagHigh',
      'MeshguardDeadLetterRateHigh',
      'MeshguardAlertDeliveryFailing',
      'MeshguardRedisDown',
      'MeshguardKafkaDown',
    ])
      expect(names).toContain(name);
    expect(alerts.find((a) => a.alert === 'MeshguardScorerDown')!.expr).toMatch(
      /\bup\{job="meshguard-scorer"\}/,
    );
  });

  it('give every alert a severity, summary, description and a runbook section that exists', () => {
    const runbook = readFileSync(join(DIR, 'runbook.md'), 'utf8');
    for (const alert of alerts) {
      expect(['critical', 'warning', 'info'], alert.alert).toContain(alert.labels?.severity);
      expect(alert.annotations?.summary, alert.alert).toBeTruthy();
      expect(alert.annotations?.description, alert.alert).toBeTruthy();
      expect(alert.annotations?.runbook_url, alert.alert).toBe(
        `deploy/prometheus/runbook.md#${alert.alert.toLowerCase()}`,
      );
      expect(runbook, alert.alert).toContain(`## ${alert.alert}\n`);
    }
  });

  it('use only metrics meshguard declares (or Prometheus `up`)', async () => {
    const declared = await declaredMetricNames();
    for (const alert of alerts)
      for (const name of metricNamesIn(alert.expr))
        expect(declared.has(name) || name === 'up', `${alert.alert} uses undeclared metric ${name}`).toBe(
          true,
        );
  });

  it('have, for every alert, a unit test where it fires and one where it stays quiet', () => {
    const cases = ruleTests.tests.flatMap((t) => t.alert_rule_test);
    for (const alert of alerts) {
      const mine = cases.filter((c) => c.alertname === alert.alert);
      expect(
        mine.some((c) => c.exp_alerts.length > 0),
        `${alert.alert} never fires in rules.test.yml`,
      ).toBe(true);
      expect(
        mine.some((c) => c.exp_alerts.length === 0),
        `${alert.alert} is never checked quiet`,
      ).toBe(true);
    }
  });
});

describe('Prometheus scrape configs', () => {
  let jobs: string[];
  beforeAll(() => {
    const config = parseYaml(readFileSync(join(DIR, 'prometheus.yml'), 'utf8'));
    jobs = config.scrape_configs.map((s: { job_name: string }) => s.job_name);
  });

  it('pass `promtool check config` and load the rules', () => {
    const result = promtool(['check', 'config', 'prometheus.yml'], { cwd: DIR });
    expect(result.status, result.output).toBe(0);
    expect(result.output).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('name the jobs the way the rules expect', () => {
    expect(jobs).toEqual(expect.arrayContaining(['meshguard-ingest', 'meshguard-scorer']));
    const k8s = parseYaml(readFileSync(join(DIR, 'scrape-config.kubernetes.yml'), 'utf8'));
    expect(k8s.scrape_configs.map((s: { job_name: string }) => s.job_name)).toEqual([
      'meshguard-ingest',
      'meshguard-scorer',
    ]);
  });

  // Debian's promtool is built without Kubernetes service discovery, so this example is checked by structure.
  it('the Kubernetes example keeps only the endpoints of its own Service and port', () => {
    const k8s = parseYaml(readFileSync(join(DIR, 'scrape-config.kubernetes.yml'), 'utf8'));
    for (const job of k8s.scrape_configs as Array<{
      job_name: string;
      kubernetes_sd_configs: unknown[];
      relabel_configs: Array<Record<string, unknown>>;
    }>) {
      expect(job.kubernetes_sd_configs).toEqual([
        { role: 'endpoints', namespaces: { names: ['meshguard'] } },
      ]);
      expect(job.relabel_configs).toEqual(
        expect.arrayContaining([
          { source_labels: ['__meta_kubernetes_service_name'], regex: job.job_name, action: 'keep' },
          { source_labels: ['__meta_kubernetes_endpoint_port_name'], regex: 'http', action: 'keep' },
        ]),
      );
    }
  });
});
