/**
 * The admin API through app.inject(): auth (token, read-only without one), incidents, quarantines
 * (approve, release, manual), audit and the OpenAPI description, over a real QuarantineManager and
 * GitOps sink.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Incident } from '../../pipelines/core/incident.js';
import { GitOpsSink, QuarantineManager } from '../../pipelines/responders/quarantine/index.js';
import { bearerMatches } from '../../pipelines/sources/http/index.js';
import { adminRoutes } from '../../services/http/admin-routes.js';
import {
  ADMIN_URL,
  FakeClock,
  incident,
  quarantineConfig,
  settings,
} from '../unit/responders/quarantine/fixtures.js';

const TOKEN = 's3cret-admin-token';
let dir: string;
let app: FastifyInstance;
let manager: QuarantineManager;
let incidents: Incident[];

async function build(token: string): Promise<void> {
  const clock = new FakeClock();
  manager = new QuarantineManager({
    cfg: quarantineConfig({
      mode: 'enforce',
      policies_dir: dir,
      min_severity: 'medium',
      approval_below_severity: 'critical',
    }),
    settings: settings(clock),
    sink: new GitOpsSink(dir),
    adminUrl: ADMIN_URL,
    sleep: async () => {},
  });
  incidents = [];
  app = Fastify({ logger: false });
  await app.register(adminRoutes, {
    incidents: { list: () => incidents, get: (id) => incidents.find((i) => i.id === id) },
    quarantine: manager,
    token,
  });
  await app.ready();
}

async function addIncident(opts: Parameters<typeof incident>[0]): Promise<Incident> {
  const inc = incident(opts);
  const decided = { ...inc, action: await manager.decide(inc) };
  incidents.push(decided);
  return decided;
}

const auth = { authorization: `Bearer ${TOKEN}` };

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'meshguard-admin-'));
});
afterEach(async () => {
  await app.close();
  await rm(dir, { recursive: true, force: true });
});

describe('admin API with a token', () => {
  beforeEach(() => build(TOKEN));

  it('requires the bearer token on reads and writes', async () => {
    for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: `Basic ${TOKEN}` }]) {
      const res = await app.inject({ method: 'GET', url: '/api/quarantines', headers });
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer');
      expect(res.json()).toEqual({
        error: 'Unauthorized',
        message: expect.stringMatching(/bearer token/),
        statusCode: 401,
      });
    }
    expect(
      (await app.inject({ method: 'POST', url: '/api/quarantines/x/release', payload: {} })).statusCode,
    ).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/api/quarantines', headers: auth })).statusCode).toBe(
      200,
    );
  });

  it('lists incidents with kind, severity and limit filters, and gets one by id', async () => {
    await addIncident({ kind: 'scanning', severity: 'high', workload: { address: '10.0.0.1' } });
    await addIncident({ kind: 'exfiltration', severity: 'critical', workload: { address: '10.0.0.2' } });
    await addIncident({ kind: 'scanning', severity: 'low', workload: { address: '10.0.0.3' } });
    const all = (await app.inject({ method: 'GET', url: '/api/incidents', headers: auth })).json();
    expect(all.total).toBe(3);
    const scanning = (
      await app.inject({ method: 'GET', url: '/api/incidents?kind=scanning', headers: auth })
    ).json();
    expect(scanning.incidents.map((i: Incident) => i.kind)).toEqual(['scanning', 'scanning']);
    const high = (
      await app.inject({ method: 'GET', url: '/api/incidents?severity=high', headers: auth })
    ).json();
    expect(high.incidents).toHaveLength(1);
    expect(high.incidents[0].evidence).toEqual({ summary: 'many 403s' }); // evidence is passed through whole
    expect(
      (await app.inject({ method: 'GET', url: '/api/incidents?limit=1', headers: auth })).json().incidents,
    ).toHaveLength(1);
    const bad = await app.inject({ method: 'GET', url: '/api/incidents?kind=nope', headers: auth });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: 'Bad Request', statusCode: 400 });

    const id = all.incidents[0].id;
    expect((await app.inject({ method: 'GET', url: `/api/incidents/${id}`, headers: auth })).json().id).toBe(
      id,
    );
    expect(
      (await app.inject({ method: 'GET', url: '/api/incidents/missing', headers: auth })).json(),
    ).toEqual({
      error: 'Not Found',
      message: 'no incident with id missing',
      statusCode: 404,
    });
  });

  it('approves a pending quarantine, which writes the policy, then releases it', async () => {
    const inc = await addIncident({ severity: 'high' });
    expect(inc.action.mode).toBe('pending-approval');
    const pending = (
      await app.inject({ method: 'GET', url: '/api/quarantines?state=pending-approval', headers: auth })
    ).json();
    expect(pending.quarantines.map((q: { id: string }) => q.id)).toEqual([inc.action.policy]);
    expect(await readdir(dir)).toEqual([]);

    const approved = await app.inject({
      method: 'POST',
      url: `/api/quarantines/${inc.action.policy}/approve`,
      headers: auth,
      payload: { by: 'alice' },
    });
    expect(approved.statusCode).toBe(200);
    expect(approved.json()).toMatchObject({
      state: 'active',
      mode: 'enforce',
      approvedBy: 'alice (admin API)',
    });
    expect(await readdir(join(dir, 'istio-system'))).toEqual([`${inc.action.policy}.yaml`]);

    const again = await app.inject({
      method: 'POST',
      url: `/api/quarantines/${inc.action.policy}/approve`,
      headers: auth,
    });
    expect(again.statusCode).toBe(409);

    const released = await app.inject({
      method: 'POST',
      url: `/api/quarantines/${inc.action.policy}/release`,
      headers: auth,
      payload: { by: 'bob', reason: 'false positive: pen test' },
    });
    expect(released.json()).toMatchObject({
      state: 'released',
      releasedBy: 'bob (admin API)',
      releaseReason: 'false positive: pen test',
    });
    expect(await readdir(join(dir, 'istio-system'))).toEqual([]);

    const audit = (await app.inject({ method: 'GET', url: '/api/audit', headers: auth })).json();
    expect(audit.entries.map((e: { action: string }) => e.action)).toEqual([
      'pending-approval',
      'approve',
      'release',
    ]);
    expect(audit.entries[2]).toMatchObject({ actor: 'bob (admin API)', reason: 'false positive: pen test' });
    expect(
      (await app.inject({ method: 'POST', url: '/api/quarantines/nope/release', headers: auth })).statusCode,
    ).toBe(404);
  });

  it('quarantines by hand, refuses protected namespaces and malformed workloads', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/quarantines',
      headers: auth,
      payload: {
        workload: { principal: 'spiffe://cluster.local/ns/shop/sa/cart' },
        reason: 'compromised image',
        by: 'carol',
      },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      state: 'active',
      createdBy: 'carol (admin API)',
      offender: { namespace: 'shop', serviceAccount: 'cart' },
    });
    expect(res.json().policies[0].spec.rules[0].from[0].source.principals).toEqual([
      'cluster.local/ns/shop/sa/cart',
    ]);

    const prot = await app.inject({
      method: 'POST',
      url: '/api/quarantines',
      headers: auth,
      payload: { workload: { namespace: 'kube-system', serviceAccount: 'coredns' }, reason: 'x' },
    });
    expect(prot.statusCode).toBe(422);
    expect(prot.json().message).toMatch(/protected/);

    expect(
      (
        await app.inject({
          method: 'POST',
          url: '/api/quarantines',
          headers: auth,
          payload: { workload: {}, reason: 'x' },
        })
      ).statusCode,
    ).toBe(400);
    expect(
      (
        await app.inject({
          method: 'POST',
          url: '/api/quarantines',
          headers: auth,
          payload: { workload: { address: '1.2.3.4' } },
        })
      ).statusCode,
    ).toBe(400);
    const badIp = await app.inject({
      method: 'POST',
      url: '/api/quarantines',
      headers: auth,
      payload: { workload: { address: 'zzz' }, reason: 'x' },
    });
    expect(badIp.statusCode).toBe(400);
    expect(badIp.json().message).toMatch(/not an IP/);
  });

  it('describes itself in OpenAPI 3', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/api/audit',
      '/api/entities/history',
      '/api/entities/models',
      '/api/incidents',
      '/api/incidents/{id}',
      '/api/incidents/{id}/alerts',
      '/api/least-privilege/coverage',
      '/api/least-privilege/policies/{namespace}/{name}/approve',
      '/api/least-privilege/policies/{namespace}/{name}/release',
      '/api/quarantines',
      '/api/quarantines/budget',
      '/api/quarantines/{id}/approve',
      '/api/quarantines/{id}/extend',
      '/api/quarantines/{id}/policy.yaml',
      '/api/quarantines/{id}/release',
    ]);
    expect(
      doc.paths['/api/quarantines'].post.requestBody.content['application/json'].schema.required,
    ).toEqual(['workload', 'reason']);
    expect(doc.components.securitySchemes.bearerAuth).toEqual({ type: 'http', scheme: 'bearer' });
  });
});

describe('admin API without a token', () => {
  beforeEach(() => build(''));

  it('serves reads and refuses writes with 403 and a clear message', async () => {
    const inc = await addIncident({ severity: 'critical' });
    expect((await app.inject({ method: 'GET', url: '/api/quarantines' })).json().quarantines).toHaveLength(1);
    const res = await app.inject({
      method: 'POST',
      url: `/api/quarantines/${inc.action.policy}/release`,
      payload: {},
    });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual({
      error: 'Forbidden',
      message: expect.stringMatching(/read-only: no admin token is configured.*MESHGUARD_ADMIN_TOKEN/),
      statusCode: 403,
    });
    // Nothing was released.
    expect((await manager.list())[0]!.state).toBe('active');
  });
});

describe('bearer comparison', () => {
  it('matches only the exact token', () => {
    expect(bearerMatches(`Bearer ${TOKEN}`, TOKEN)).toBe(true);
    expect(bearerMatches(`bearer ${TOKEN}`, TOKEN)).toBe(true);
    expect(bearerMatches(`Bearer ${TOKEN}x`, TOKEN)).toBe(false);
    expect(bearerMatches(undefined, TOKEN)).toBe(false);
    expect(bearerMatches('Bearer ', '')).toBe(false);
  });
});
