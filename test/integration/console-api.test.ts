/**
 * The admin routes the incident console reads and the one action it adds, through app.inject() over
 * a real QuarantineManager and GitOps sink: extend (with a reason in the audit trail), the blast-radius
 * budget, a quarantine's policy as YAML, an offender's window history and an incident's alert deliveries.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { parseAllDocuments } from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Incident } from '../../pipelines/core/incident.js';
import type { DeliveryRecord } from '../../pipelines/responders/alerts/index.js';
import { GitOpsSink, QuarantineManager } from '../../pipelines/responders/quarantine/index.js';
import { EntityHistory, type HistoryPoint } from '../../pipelines/runtime/entity-history.js';
import { adminRoutes } from '../../services/http/admin-routes.js';
import {
  ADMIN_URL,
  FakeClock,
  incident,
  quarantineConfig,
  settings,
} from '../unit/responders/quarantine/fixtures.js';

const TOKEN = 'console-admin-token';
const auth = { authorization: `Bearer ${TOKEN}` };
const TTL_SECS = 3600;
let dir: string;
let app: FastifyInstance;
let manager: QuarantineManager;
let incidents: Incident[];
const history = new EntityHistory({ maxEntities: 2, pointsPerEntity: 3, edgesPerPoint: 2 });
const deliveries = new Map<string, DeliveryRecord[]>();

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'meshguard-console-api-'));
  manager = new QuarantineManager({
    cfg: quarantineConfig({
      mode: 'enforce',
      policies_dir: dir,
      min_severity: 'medium',
      approval_below_severity: 'high',
      ttl_secs: TTL_SECS,
      max_per_window: 3,
    }),
    settings: settings(new FakeClock()),
    sink: new GitOpsSink(dir),
    adminUrl: ADMIN_URL,
    sleep: async () => {},
  });
  incidents = [];
  app = Fastify({ logger: false });
  await app.register(adminRoutes, {
    incidents: { list: () => incidents, get: (id) => incidents.find((i) => i.id === id) },
    quarantine: manager,
    token: TOKEN,
    history,
    alertDeliveries: (id: string) => deliveries.get(id) ?? [],
  });
  await app.ready();
});
afterEach(async () => {
  await app.close();
  await rm(dir, { recursive: true, force: true });
});

async function raise(opts: Parameters<typeof incident>[0]): Promise<Incident> {
  const inc = incident(opts);
  const decided = { ...inc, action: await manager.decide(inc) };
  incidents.push(decided);
  return decided;
}

function point(endMs: number): HistoryPoint {
  const band = { mean: 10, std: 2 };
  return {
    endMs,
    requests: 12,
    errors: 1,
    bytes: 4096,
    baseline: { requests: band, errors: band, bytes: band },
    learning: false,
    windowsSeen: 40,
    edges: [{ dst: 'users.identity.svc.cluster.local', requests: 12, bytes: 4096, isNew: true }],
  };
}

describe('console routes of the admin API', () => {
  it('extends an active quarantine by one TTL past its expiry, re-applies its policy and audits the reason', async () => {
    const inc = await raise({ severity: 'critical' });
    const id = inc.action.policy!;
    const before = (await manager.get(id))!;
    const res = await app.inject({
      method: 'POST',
      url: `/api/quarantines/${id}/extend`,
      headers: auth,
      payload: { by: 'bob', reason: 'still investigating' },
    });
    expect(res.statusCode).toBe(200);
    const expiresAt = Date.parse(res.json().expiresAt);
    expect(expiresAt - Date.parse(before.expiresAt)).toBe(TTL_SECS * 1000);
    const file = await readFile(join(dir, 'istio-system', `${id}.yaml`), 'utf8');
    expect(file).toContain(new Date(expiresAt).toISOString());
    const audit = (await app.inject({ method: 'GET', url: '/api/audit', headers: auth })).json();
    expect(audit.entries.at(-1)).toMatchObject({
      action: 'extend',
      actor: 'bob (admin API)',
      reason: 'still investigating',
    });

    const noReason = await app.inject({
      method: 'POST',
      url: `/api/quarantines/${id}/extend`,
      headers: auth,
      payload: {},
    });
    expect(noReason.statusCode).toBe(400);
    const pending = await raise({ severity: 'medium', workload: { address: '10.8.0.15' } });
    const notActive = await app.inject({
      method: 'POST',
      url: `/api/quarantines/${pending.action.policy}/extend`,
      headers: auth,
      payload: { reason: 'x' },
    });
    expect(notActive.statusCode).toBe(409);
    expect(notActive.json().message).toMatch(/not active/);
  });

  it('approve keeps the reason given in the audit trail', async () => {
    const inc = await raise({ severity: 'medium' });
    const res = await app.inject({
      method: 'POST',
      url: `/api/quarantines/${inc.action.policy}/approve`,
      headers: auth,
      payload: { by: 'carol', reason: 'owner confirmed' },
    });
    expect(res.statusCode).toBe(200);
    const audit = (await app.inject({ method: 'GET', url: '/api/audit', headers: auth })).json();
    expect(audit.entries.at(-1)).toMatchObject({ action: 'approve', reason: 'owner confirmed' });
  });

  it('counts the blast-radius budget down as automatic quarantines are applied', async () => {
    const budget = async () =>
      (await app.inject({ method: 'GET', url: '/api/quarantines/budget', headers: auth })).json();
    expect(await budget()).toEqual({ max: 3, windowSecs: 300, used: 0, remaining: 3 });
    await raise({ severity: 'critical' });
    expect(await budget()).toMatchObject({ used: 1, remaining: 2 });
  });

  it('serves a quarantine policy as YAML documents, 404 for an unknown one', async () => {
    const inc = await raise({ severity: 'critical' });
    const res = await app.inject({
      method: 'GET',
      url: `/api/quarantines/${inc.action.policy}/policy.yaml`,
      headers: auth,
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/yaml/);
    const docs = parseAllDocuments(res.body).map((d) => d.toJS());
    expect(docs[0]).toMatchObject({ kind: 'AuthorizationPolicy', spec: { action: 'DENY' } });
    const missing = await app.inject({
      method: 'GET',
      url: '/api/quarantines/nope/policy.yaml',
      headers: auth,
    });
    expect(missing.statusCode).toBe(404);
  });

  it("reads an offender's kept windows (bounded) and an incident's alert deliveries", async () => {
    for (const t of [1, 2, 3, 4])
      history.record('spiffe://cluster.local/ns/shop/sa/frontend', point(t * 10_000));
    history.record('10.0.0.1', point(1));
    history.record('10.0.0.2', point(1)); // the third entity: the least recently seen is forgotten
    const read = async (workload: string) =>
      (
        await app.inject({
          method: 'GET',
          url: `/api/entities/history?workload=${encodeURIComponent(workload)}`,
          headers: auth,
        })
      ).json();
    expect((await read('10.0.0.2')).points).toHaveLength(1);
    expect((await read('spiffe://cluster.local/ns/shop/sa/frontend')).points).toEqual([]);
    expect((await read('10.0.0.1')).points[0]).toMatchObject({ requests: 12, edges: [{ isNew: true }] });
    const models = (await app.inject({ method: 'GET', url: '/api/entities/models', headers: auth })).json();
    expect(models).toMatchObject({ learning: 0, scoring: 2 });

    const inc = await raise({ severity: 'critical' });
    const record: DeliveryRecord = {
      channel: 'slack',
      event: 'trigger',
      status: 'failed',
      attempts: 5,
      error: '503 after 5 attempts',
      queuedAt: '2025-03-01T03:00:00.000Z',
      updatedAt: '2025-03-01T03:00:09.000Z',
    };
    deliveries.set(inc.id, [record]);
    const alerts = await app.inject({ method: 'GET', url: `/api/incidents/${inc.id}/alerts`, headers: auth });
    expect(alerts.json()).toEqual({ deliveries: [record] });
    const unknown = await app.inject({ method: 'GET', url: '/api/incidents/nope/alerts', headers: auth });
    expect(unknown.statusCode).toBe(404);
    const noToken = await app.inject({ method: 'GET', url: `/api/incidents/${inc.id}/alerts` });
    expect(noToken.statusCode).toBe(401);
  });
});
