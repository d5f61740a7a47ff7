/**
 * The alertmanager channel against the real Alertmanager (Debian's prometheus-alertmanager): an incident
 * goes in through POST /api/v2/alerts, Alertmanager routes it to this test's webhook receiver firing, and
 * the resolve comes out the other side as "resolved".
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../pipelines/core/incident.js';
import { createAlertDispatcher } from '../../pipelines/responders/alerts/index.js';
import { AlertsConfig } from '../../pipelines/responders/alerts/config.js';
import { EventClock } from '../../pipelines/core/clock.js';
import { Metrics } from '../../pipelines/core/metrics.js';
import { MemoryStateStore } from '../../pipelines/core/state-store.js';
import { Value } from '@sinclair/typebox/value';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

const BINARY = '/usr/bin/prometheus-alertmanager';

interface AmWebhook {
  status: 'firing' | 'resolved';
  receiver: string;
  alerts: Array<{
    status: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
    endsAt: string;
    generatorURL: string;
  }>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

async function waitReady(
  url: string,
  am: ChildProcess,
  log: () => string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (am.exitCode !== null) throw new Error(`alertmanager exited with ${am.exitCode}:\n${log()}`);
    try {
      const res = await fetch(`${url}/-/ready`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`alertmanager not ready within ${timeoutMs} ms:\n${log()}`);
}

let am: ChildProcess | undefined;
let dir = '';
let amUrl = '';
let receiver: WebhookReceiver;
let amLog = '';

beforeAll(async () => {
  if (!existsSync(BINARY))
    throw new Error(
      `${BINARY} is missing: install it with \`sudo apt-get install -y prometheus-alertmanager\``,
    );
  receiver = await startWebhookReceiver();
  dir = mkdtempSync(join(tmpdir(), 'mg-alertmanager-'));
  const config = [
    'route:',
    '  receiver: meshguard-test',
    "  group_by: ['incident_id']",
    '  group_wait: 0s',
    '  group_interval: 1s',
    '  repeat_interval: 1h',
    'receivers:',
    '  - name: meshguard-test',
    '    webhook_configs:',
    `      - url: ${receiver.url}/alertmanager`,
    '        send_resolved: true',
    '',
  ].join('\n');
  writeFileSync(join(dir, 'alertmanager.yml'), config);
  const port = await freePort();
  amUrl = `http://127.0.0.1:${port}`;
  am = spawn(
    BINARY,
    [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  am.stdout?.on('data', (d: Buffer) => (amLog += d.toString()));
  am.stderr?.on('data', (d: Buffer) => (amLog += d.toString()));
  await waitReady(amUrl, am, () => amLog);
});

afterAll(async () => {
  if (am && am.exitCode === null) {
    const exited = new Promise((r) => am!.once('exit', r));
    am.kill('SIGTERM');
    await exited;
  }
  await receiver?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const incident: Incident = {
  id: 'inc-lateral-payments-worker-42',
  kind: 'lateral_movement',
  workload: {
    namespace: 'payments',
    serviceAccount: 'worker',
    principal: 'spiffe://cluster.local/ns/payments/sa/worker',
  },
  severity: 'critical',
  score: 0.995,
  firstEventTime: new Date(Date.now() - 60_000).toISOString(),
  detectedAt: new Date(Date.now() - 30_000).toISOString(),
  detectors: ['new_destinations'],
  evidence: { new_destinations: 6, new_destinations_baseline: 0 },
  action: {
    type: 'quarantine',
    mode: 'enforce',
    policy: 'meshguard-q-payments-worker',
    undo: 'kubectl -n payments delete authorizationpolicy meshguard-q-payments-worker',
  },
};

describe('alertmanager channel against the real Alertmanager', () => {
  it('delivers the incident firing, then resolved', async () => {
    const cfg = Value.Default(AlertsConfig, {
      channels: [{ type: 'alertmanager', url: amUrl }],
      admin_url: 'http://meshguard.test:8080',
    }) as AlertsConfig;
    const metrics = new Metrics();
    const dispatcher = createAlertDispatcher(cfg, {
      logger: pino({ level: 'silent' }),
      clock: new EventClock(),
      metrics,
      state: new MemoryStateStore(),
    });
    try {
      await dispatcher.notify(incident, 'trigger');
      await dispatcher.drain();
      const fromAm = (r: { path: string; json: unknown }, status: string) =>
        r.path === '/alertmanager' && (r.json as AmWebhook).status === status;
      const [firing] = await receiver.waitFor(1, { timeoutMs: 15_000, filter: (r) => fromAm(r, 'firing') });
      const fired = firing!.json as AmWebhook;
      expect(fired.receiver).toBe('meshguard-test');
      expect(fired.alerts).toHaveLength(1);
      expect(fired.alerts[0]!.labels).toMatchObject({
        alertname: 'MeshguardIncident',
        kind: 'lateral_movement',
        severity: 'critical',
        namespace: 'payments',
        service_account: 'worker',
        incident_id: incident.id,
      });
      expect(fired.alerts[0]!.annotations.undo).toBe(incident.action.undo);
      expect(fired.alerts[0]!.annotations.summary).toContain('Lateral movement from payments/worker');
      expect(fired.alerts[0]!.generatorURL).toBe(`http://meshguard.test:8080/ui/incidents/${incident.id}`);

      await dispatcher.notify(incident, 'resolve');
      await dispatcher.drain();
      const [resolved] = await receiver.waitFor(1, {
        timeoutMs: 15_000,
        filter: (r) => fromAm(r, 'resolved'),
      });
      const done = resolved!.json as AmWebhook;
      expect(done.alerts[0]!.status).toBe('resolved');
      expect(done.alerts[0]!.labels.incident_id).toBe(incident.id);
      expect(Date.parse(done.alerts[0]!.endsAt)).toBeLessThanOrEqual(Date.now());

      const sent = (await metrics.alertsSent.get()).values.find(
        (v) => v.labels.channel === 'alertmanager',
      )?.value;
      expect(sent).toBe(2);
    } finally {
      await dispatcher.shutdown();
    }
  });
});
