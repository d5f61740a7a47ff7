/**
 * Text lines whose quoted header values would shift Envoy's fields, posted to `serve`'s ingest endpoint:
 * counted per channel as ambiguous (never dropped), and found against the caller that sent them
 * (`log_field_injection`, on the admin API), never against the caller the forged fields name.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { resolveConfig } from '../../config/validate.js';
import type { Incident } from '../../pipelines/core/incident.js';
import { Service } from '../../services/service.js';
import { ATTACKER, BENIGN, VICTIM, fieldShiftingTraffic } from '../helpers/field-shifting.js';
import { waitFor } from '../helpers/wait.js';

let service: Service | undefined;
afterEach(async () => {
  await service?.stop();
  service = undefined;
});

describe('field shifting through ingest', () => {
  it('counts the shifted lines as ambiguous and finds their sender on the admin API', async () => {
    const cfg = resolveConfig({
      http: { host: '127.0.0.1', port: 0 },
      log_level: 'silent',
      neural: { enabled: false },
      alerts: { channels: [] },
      ingest: { token: 't0ken' },
      quarantine: { policies_dir: mkdtempSync(join(tmpdir(), 'mg-policies-')) },
    });
    service = new Service(cfg, 'all', pino({ level: 'silent' }));
    await service.start();
    const base = `http://127.0.0.1:${service.port}`;
    const lines = fieldShiftingTraffic(10);
    let ambiguousSent = 0;
    for (let i = 0; i < lines.length; i += 2000) {
      const batch = lines.slice(i, i + 2000);
      ambiguousSent += batch.filter((l) => l.includes('evil.example.com')).length;
      const res = await fetch(`${base}/ingest/envoy`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain', authorization: 'Bearer t0ken' },
        body: batch.join('\n'),
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ accepted: batch.length, rejected: 0 });
    }
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain(
      `meshguard_channel_records_total{channel="http:envoy:token",outcome="ambiguous"} ${ambiguousSent}`,
    );

    let listed: Incident[] = [];
    await waitFor(
      async () => {
        const body = (await (await fetch(`${base}/api/incidents`)).json()) as
          Incident[] | { incidents: Incident[] };
        listed = Array.isArray(body) ? body : body.incidents;
        return listed.some((i) => i.detectors.includes('log_field_injection'));
      },
      30_000,
      'a log_field_injection incident on /api/incidents',
    );
    const found = listed.filter((i) => i.detectors.includes('log_field_injection'));
    const addresses = found.map((i) => ('address' in i.workload ? i.workload.address : ''));
    expect(addresses).toContain(ATTACKER);
    for (const innocent of [...BENIGN, VICTIM, '10.6.6.6']) expect(addresses).not.toContain(innocent);
  }, 60_000);
});
