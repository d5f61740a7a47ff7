/**
 * `meshguard serve` with no Kafka and no Redis (embedded mode): ingest → in-process bus → scorer in one
 * process; incidents on the admin API; the bounded bus pushes back with 429 instead of buffering.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { resolveConfig } from '../../config/validate.js';
import type { Incident } from '../../pipelines/core/incident.js';
import { MeshSimulator } from '../../pipelines/sources/simulator/index.js';
import { parseServeArgs } from '../../services/cli/serve.js';
import { Service } from '../../services/service.js';
import { waitFor } from '../helpers/wait.js';

const logger = pino({ level: 'silent' });
const T0 = Date.parse('2024-05-01T10:00:00Z');
let service: Service | undefined;

afterEach(async () => {
  await service?.stop();
  service = undefined;
});

function config(extra: Record<string, unknown> = {}) {
  return resolveConfig({
    http: { host: '127.0.0.1', port: 0 },
    log_level: 'silent',
    alerts: { channels: [] },
    quarantine: { policies_dir: mkdtempSync(join(tmpdir(), 'mg-policies-')) },
    ...extra,
  });
}

describe('serve in embedded mode', () => {
  it('scores ingested traffic in-process and lists the incidents on the admin API', async () => {
    service = new Service(config(), 'all', logger);
    await service.start();
    const base = `http://127.0.0.1:${service.port}`;
    const ready = await (await fetch(`${base}/readyz`)).json();
    expect(ready).toMatchObject({ status: 'ready', checks: { bus: true } });

    const sim = new MeshSimulator({ seed: 3, startMs: T0, services: 12, ratePerSec: 30 });
    const scan = sim.schedule('path_scanning', T0 + 240_000);
    const lines: string[] = [];
    sim.generate(T0, T0 + 300_000, (r) => lines.push(JSON.stringify(r)));
    for (let i = 0; i < lines.length; i += 3000) {
      const res = await fetch(`${base}/ingest/envoy`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson' },
        body: lines.slice(i, i + 3000).join('\n'),
      });
      expect(res.status).toBe(200);
    }
    let listed: Incident[] = [];
    await waitFor(
      async () => {
        const body = (await (await fetch(`${base}/api/incidents`)).json()) as
          Incident[] | { incidents: Incident[] };
        listed = Array.isArray(body) ? body : body.incidents;
        return listed.some((i) => i.kind === 'scanning');
      },
      30_000,
      'the scanning incident on /api/incidents',
    );
    expect(listed.find((i) => i.kind === 'scanning')!.workload).toMatchObject({
      principal: scan.actor.principal,
    });
  });

  it('pushes back with 429 + Retry-After when the bounded bus is full', async () => {
    service = new Service(config({ ingest: { max_pending_events: 5 } }), 'all', logger);
    await service.start();
    const sim = new MeshSimulator({ seed: 1, startMs: T0, services: 6, ratePerSec: 20 });
    const lines: string[] = [];
    sim.generate(T0, T0 + 5_000, (r) => lines.push(JSON.stringify(r)));
    const res = await fetch(`http://127.0.0.1:${service.port}/ingest/envoy`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson' },
      body: lines.slice(0, 20).join('\n'),
    });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('1');
  });

  it('parses the serve command line and names bad flags', () => {
    expect(parseServeArgs(['--role', 'ingest', '--port', '9090', '--config', 'x.yaml'])).toEqual({
      role: 'ingest',
      port: 9090,
      config: 'x.yaml',
      help: false,
    });
    expect(() => parseServeArgs(['--role', 'bogus'])).toThrow(/--role: must be ingest, scorer or all/);
    expect(() => parseServeArgs(['--port', 'eighty'])).toThrow(/--port: not a port number/);
  });
});
