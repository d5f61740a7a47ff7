/**
 * Responders failing under `meshguard serve` (embedded mode, the whole pipeline in one process):
 * - alert receivers answering 500 and hanging past the timeout: each alert is retried up to
 *   retry.max_attempts and then dead-lettered (file), while ingest and scoring carry on unaffected;
 * - the apiserver stand-in answering 409 then 500 to the quarantine's server-side apply: retried, and
 *   exactly one policy per quarantine in the end.
 * Attack traffic from the simulator; the first path scan raises the incident.
 */
import { mkdtempSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { resolveConfig } from '../../config/validate.js';
import type { Incident } from '../../pipelines/core/incident.js';
import { MeshSimulator } from '../../pipelines/sources/simulator/index.js';
import {
  ensureKubernetesClientLoads,
  startApiServerStandIn,
  type ApiServerStandIn,
} from '../helpers/apiserver-stand-in.js';
import { reliabilityReport } from '../helpers/reliability-report.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';
import { waitFor } from '../helpers/wait.js';

ensureKubernetesClientLoads();
const { Service } = await import('../../services/service.js');

const report = reliabilityReport('faults-responders');
const T0 = Date.parse('2024-05-01T10:00:00Z');
const dir = mkdtempSync(join(tmpdir(), 'mg-faults-responders-'));
const deadLetters = join(dir, 'dead-alerts.jsonl');

let failing: WebhookReceiver;
let hanging: WebhookReceiver;
let api: ApiServerStandIn;
let service: InstanceType<typeof Service>;

const url = (path: string): string => `http://127.0.0.1:${service.port}${path}`;

beforeAll(async () => {
  failing = await startWebhookReceiver({ status: 500, body: 'internal error' });
  hanging = await startWebhookReceiver({ status: 200, delayMs: 5000 });
  api = await startApiServerStandIn();
  const kubeconfig = join(dir, 'kubeconfig.yaml');
  writeFileSync(kubeconfig, api.kubeconfigYaml());
  const cfg = resolveConfig({
    http: { host: '127.0.0.1', port: 0 },
    log_level: 'silent',
    alerts: {
      channels: [
        { type: 'webhook', name: 'failing', url: `${failing.url}/hook` },
        { type: 'webhook', name: 'hanging', url: `${hanging.url}/hook`, timeout_ms: 300 },
      ],
      retry: { max_attempts: 3, initial_backoff_ms: 50, max_backoff_ms: 200 },
      dead_letter_file: deadLetters,
    },
    quarantine: {
      mode: 'enforce',
      sink: 'kubernetes',
      kubeconfig,
      min_severity: 'low',
      approval_below_severity: 'low',
      apply_max_attempts: 4,
      apply_backoff_ms: 50,
      audit_log_file: join(dir, 'audit.jsonl'),
    },
  });
  service = new Service(cfg, 'all', pino({ level: 'silent' }));
  await service.start();
}, 60_000);

afterAll(async () => {
  await service?.stop();
  await Promise.all([failing?.close(), hanging?.close(), api?.stop()]);
});

describe('responder faults', () => {
  it('receivers failing and the apiserver answering 409 and 500: retried, dead-lettered, one policy, ingest unaffected', async () => {
    api.failNext(409);
    api.failNext(500);
    const sim = new MeshSimulator({ seed: 3, startMs: T0, services: 12, ratePerSec: 30 });
    sim.schedule('path_scanning', T0 + 240_000);
    const lines: string[] = [];
    sim.generate(T0, T0 + 330_000, (r) => lines.push(JSON.stringify(r)));

    const latencies: number[] = [];
    let accepted = 0;
    for (let i = 0; i < lines.length; i += 2000) {
      const started = Date.now();
      const res = await fetch(url('/ingest/envoy'), {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson' },
        body: lines.slice(i, i + 2000).join('\n'),
      });
      latencies.push(Date.now() - started);
      expect(res.status).toBe(200);
      accepted += ((await res.json()) as { accepted: number }).accepted;
    }
    const list = async (): Promise<Incident[]> => {
      const body = (await (await fetch(url('/api/incidents'))).json()) as
        Incident[] | { incidents: Incident[] };
      return Array.isArray(body) ? body : body.incidents;
    };
    await waitFor(async () => (await list()).length > 0, 60_000, 'an incident');
    const raised = await list();

    await report.check(
      'faults',
      'Alert receivers answering 500, and hanging past timeout_ms, during an attack',
      'each alert tried retry.max_attempts (3) times per channel, then dead-lettered with the reason; ingest keeps answering 200 at its usual speed',
      async (note) => {
        await waitFor(
          () =>
            existsSync(deadLetters) &&
            readFileSync(deadLetters, 'utf8').trim().split('\n').length >= 2 * raised.length,
          30_000,
          'the dead-lettered alerts',
        );
        const dead = readFileSync(deadLetters, 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as Record<string, unknown>);
        expect(failing.requests.length).toBe(3 * raised.length);
        expect(hanging.requests.length).toBe(3 * raised.length);
        expect(JSON.stringify(dead)).toMatch(/500/);
        expect(accepted).toBe(lines.length);
        expect(Math.max(...latencies)).toBeLessThan(5000);
        note(
          `${raised.length} incident(s); ${failing.requests.length} attempts on the 500 receiver, ${hanging.requests.length} on the hanging one; ${dead.length} dead letters; ingest 200 throughout (slowest request ${Math.max(...latencies)} ms)`,
        );
      },
    );

    await report.check(
      'faults',
      'Apiserver answering 409, then 500, to the quarantine apply',
      'apply retried until it succeeds; one policy per quarantine, none duplicated',
      async (note) => {
        const quarantined = raised.filter((i) => i.action.type === 'quarantine');
        expect(quarantined.length).toBeGreaterThan(0);
        const patches = api.requests.filter((r) => r.method === 'PATCH');
        // A duplicate would be a second policy name for the same quarantine; every stored object belongs to one.
        const stored = [...api.objects.keys()];
        const policies = new Set(quarantined.map((i) => i.action.policy!));
        for (const o of api.objects.values())
          expect(policies.has(o.metadata.name.replace(/-egress$/, ''))).toBe(true);
        for (const p of policies) expect(stored.some((k) => k.endsWith(`/${p}`))).toBe(true);
        expect(patches.length).toBeGreaterThanOrEqual(api.objects.size + 2);
        note(
          `${patches.length} apply requests (2 refused), ${api.objects.size} objects stored for ${policies.size} quarantine(s): ${stored.join(', ')}`,
        );
      },
    );
  }, 120_000);
});
