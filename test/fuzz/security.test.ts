/**
 * Attacks on meshguard itself:
 * - ingest and admin APIs refuse requests without the bearer token, with a wrong one, and with any random
 *   Authorization header (fast-check), on every route;
 * - secrets (ingest and admin tokens, the webhook signing secret, a Slack-style secret URL path, the Redis
 *   password in the URL) never appear in logs (pino output captured at debug level), error bodies or the
 *   alert dead-letter file, while errors that would carry them are provoked;
 * - `npm audit --omit=dev --audit-level=high` is clean.
 * The container user and RBAC are checked in test/unit/deploy/{docker,k8s}.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { resolveConfig } from '../../config/validate.js';
import { MeshSimulator } from '../../pipelines/sources/simulator/index.js';
import { Service } from '../../services/service.js';
import { freePort } from '../helpers/redis.js';
import { reliabilityReport } from '../helpers/reliability-report.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

const report = reliabilityReport('security');
const ROOT = join(import.meta.dirname, '..', '..');
const T0 = Date.parse('2024-05-01T10:00:00Z');
const INGEST_TOKEN = 'ingest-Tok3n-9f8e7d6c5b4a';
const ADMIN_TOKEN = 'admin-Tok3n-1a2b3c4d5e6f';
const WEBHOOK_SECRET = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;
const URL_SECRET = 'XoXbSeCrEtPaTh42';
const REDIS_PASSWORD = 'r3dis-Pa55word-zz';
const SECRETS = [
  INGEST_TOKEN,
  ADMIN_TOKEN,
  WEBHOOK_SECRET,
  WEBHOOK_SECRET.slice(6),
  URL_SECRET,
  REDIS_PASSWORD,
];

const logLines: string[] = [];
const sink = new Writable({
  write(chunk: Buffer, _encoding, done) {
    logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  },
});
const dir = mkdtempSync(join(tmpdir(), 'mg-security-'));
const deadLetters = join(dir, 'dead-alerts.jsonl');
let receiver: WebhookReceiver;
let service: Service;
const bodies: string[] = [];
const url = (path: string): string => `http://127.0.0.1:${service.port}${path}`;
async function call(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<Response> {
  const res = await fetch(url(path), { method, headers, ...(body !== undefined ? { body } : {}) });
  bodies.push(await res.clone().text());
  return res;
}

beforeAll(async () => {
  receiver = await startWebhookReceiver({ status: 500, body: 'upstream exploded' });
  // Redis with a password in the URL, on a port where nothing listens: every reconnect logs an error.
  const redisPort = await freePort();
  const cfg = resolveConfig({
    http: { host: '127.0.0.1', port: 0 },
    log_level: 'debug',
    ingest: { token: INGEST_TOKEN },
    admin: { token: ADMIN_TOKEN },
    redis: { url: `redis://:${REDIS_PASSWORD}@127.0.0.1:${redisPort}` },
    alerts: {
      channels: [
        { type: 'webhook', url: `${receiver.url}/hooks/T000/B000/${URL_SECRET}`, secret: WEBHOOK_SECRET },
      ],
      retry: { max_attempts: 2, initial_backoff_ms: 20, max_backoff_ms: 50 },
      dead_letter_file: deadLetters,
    },
    quarantine: { policies_dir: join(dir, 'policies') },
  });
  service = new Service(cfg, 'all', pino({ level: 'debug' }, sink));
  await service.start();
}, 60_000);

afterAll(async () => {
  await service?.stop();
  await receiver?.close();
});

const INGEST_ROUTES: Array<[string, string]> = [
  ['/ingest/envoy', 'application/x-ndjson'],
  ['/v1/logs', 'application/json'],
  ['/api/v1/write', 'application/x-protobuf'],
  ['/v1/metrics', 'application/json'],
];
const ADMIN_ROUTES: Array<[string, string]> = [
  ['GET', '/api/incidents'],
  ['GET', '/api/incidents/x'],
  ['GET', '/api/quarantines'],
  ['POST', '/api/quarantines'],
  ['POST', '/api/quarantines/x/approve'],
  ['POST', '/api/quarantines/x/release'],
  ['GET', '/api/audit'],
];
const WRONG: Array<[string, Record<string, string>]> = [
  ['no Authorization header', {}],
  ['a wrong token', { authorization: 'Bearer not-the-token' }],
  ["the other API's token", { authorization: 'Bearer SWAP' }],
  ['the token as Basic auth', { authorization: 'Basic TOKEN' }],
  ['the token without "Bearer"', { authorization: 'TOKEN' }],
  ['the token with a suffix', { authorization: 'Bearer TOKENx' }],
  ["the token's prefix", { authorization: 'Bearer PREFIX' }],
  ['an empty bearer', { authorization: 'Bearer ' }],
];
const fill = (headers: Record<string, string>, token: string, other: string): Record<string, string> =>
  Object.fromEntries(
    Object.entries(headers).map(([k, v]) => [
      k,
      v.replace('SWAP', other).replace('TOKEN', token).replace('PREFIX', token.slice(0, -1)),
    ]),
  );

describe('authentication', () => {
  it('ingest routes answer 401 to every wrong or missing token, and accept the right one', async () => {
    await report.check(
      'security',
      'Ingest routes (4) without a token, with a wrong one, the admin token, Basic auth, a prefix or suffix of the token, an empty bearer',
      '401 with WWW-Authenticate on every one; the right token gets through',
      async (note) => {
        let refused = 0;
        for (const [path, type] of INGEST_ROUTES)
          for (const [, headers] of WRONG) {
            const res = await call(
              'POST',
              path,
              { 'content-type': type, ...fill(headers, INGEST_TOKEN, ADMIN_TOKEN) },
              '{}',
            );
            expect(res.status).toBe(401);
            expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
            refused++;
          }
        const ok = await call(
          'POST',
          '/ingest/envoy',
          { 'content-type': 'application/x-ndjson', authorization: `Bearer ${INGEST_TOKEN}` },
          'junk',
        );
        expect(ok.status).toBe(400); // past authentication, refused for its content
        note(`${refused} requests refused with 401`);
      },
    );
  });

  it('admin routes answer 401 to every wrong or missing token, and accept the right one', async () => {
    await report.check(
      'security',
      'Admin API routes (7, reads and writes) without a token, with a wrong one, the ingest token, Basic auth, a prefix or suffix, an empty bearer',
      '401 on every one; the right token gets through',
      async (note) => {
        let refused = 0;
        for (const [method, path] of ADMIN_ROUTES)
          for (const [, headers] of WRONG) {
            const res = await call(
              method,
              path,
              { 'content-type': 'application/json', ...fill(headers, ADMIN_TOKEN, INGEST_TOKEN) },
              method === 'POST' ? '{}' : undefined,
            );
            expect(res.status).toBe(401);
            refused++;
          }
        expect((await call('GET', '/api/incidents', { authorization: `Bearer ${ADMIN_TOKEN}` })).status).toBe(
          200,
        );
        note(`${refused} requests refused with 401`);
      },
    );
  });

  it('property: no random Authorization header passes either API', async () => {
    await report.check(
      'security',
      'Random Authorization headers (fast-check, 300 per API, including near-misses of the real tokens)',
      'never accepted',
      async (note) => {
        const header = fc
          .oneof(
            fc.string({ maxLength: 80 }),
            fc.string({ maxLength: 40 }).map((s) => `Bearer ${s}`),
            fc
              .tuple(
                fc.constantFrom(INGEST_TOKEN, ADMIN_TOKEN),
                fc.nat(),
                fc.string({ minLength: 1, maxLength: 2 }),
              )
              .map(([t, i, c]) => {
                const at = i % t.length;
                const mutated = t.slice(0, at) + c + t.slice(at + 1);
                return `Bearer ${mutated === t ? `${t}!` : mutated}`;
              }),
          )
          .filter((h) => /^[\t\x20-\x7e]*$/.test(h)); // what an HTTP client can send at all
        await fc.assert(
          fc.asyncProperty(header, async (authorization) => {
            const ingest = await fetch(url('/ingest/envoy'), {
              method: 'POST',
              headers: { 'content-type': 'text/plain', authorization },
              body: 'x',
            });
            expect(ingest.status).toBe(401);
            const admin = await fetch(url('/api/audit'), { headers: { authorization } });
            expect(admin.status).toBe(401);
          }),
          { numRuns: 300, seed: 99 },
        );
        note('600 requests, all 401');
      },
    );
  });
});

describe('secrets stay secret', () => {
  it('never appear in logs, error bodies or dead letters, while errors that could carry them happen', async () => {
    await report.check(
      'security',
      'Secrets (ingest/admin tokens, webhook secret, secret URL path, Redis password in the URL) while Redis is unreachable, the alert receiver answers 500 and requests carry wrong tokens',
      'none of them in the pino output (debug level), in any response body, or in the alert dead-letter file',
      async (note) => {
        // An attack, so an alert is sent to the failing receiver and dead-lettered.
        const sim = new MeshSimulator({ seed: 3, startMs: T0, services: 12, ratePerSec: 30 });
        sim.schedule('path_scanning', T0 + 240_000);
        const lines: string[] = [];
        sim.generate(T0, T0 + 300_000, (r) => lines.push(JSON.stringify(r)));
        for (let i = 0; i < lines.length; i += 3000) {
          const res = await call(
            'POST',
            '/ingest/envoy',
            { 'content-type': 'application/x-ndjson', authorization: `Bearer ${INGEST_TOKEN}` },
            lines.slice(i, i + 3000).join('\n'),
          );
          expect(res.status).toBe(200);
        }
        await receiver.waitFor(2, { timeoutMs: 30_000 });
        const deadline = Date.now() + 15_000;
        while (!existsSync(deadLetters) && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 100));
        expect(existsSync(deadLetters)).toBe(true);
        // Errors with the secrets close by: wrong tokens, readiness with Redis down, unknown routes.
        await call(
          'POST',
          '/ingest/envoy',
          { 'content-type': 'text/plain', authorization: `Bearer ${INGEST_TOKEN}x` },
          'x',
        );
        expect((await call('GET', '/readyz')).status).toBe(503);

        const signed = receiver.requests[0]!;
        expect(signed.headers['webhook-signature']).toMatch(/^v1,/); // the secret was used, not sent
        expect(logLines.length).toBeGreaterThan(10);
        const haystacks: Array<[string, string]> = [
          ['logs', logLines.join('\n')],
          ['response bodies', bodies.join('\n')],
          ['alert dead letters', readFileSync(deadLetters, 'utf8')],
          ['alert request bodies', receiver.requests.map((r) => r.body).join('\n')],
        ];
        for (const [where, text] of haystacks)
          for (const secret of SECRETS)
            expect(text.includes(secret), `${where} contain a secret (${secret.slice(0, 4)}…)`).toBe(false);
        note(
          `${logLines.length} log lines, ${bodies.length} response bodies, ${readFileSync(deadLetters, 'utf8').trim().split('\n').length} dead letters searched for ${SECRETS.length} secrets: none found`,
        );
      },
    );
  }, 90_000);
});

describe('dependencies', () => {
  it('npm audit --omit=dev --audit-level=high reports nothing high or critical', async () => {
    const audit = spawnSync('npm', ['audit', '--omit=dev', '--json'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    });
    const parsed = (() => {
      try {
        return JSON.parse(audit.stdout) as {
          metadata?: { vulnerabilities?: Record<string, number> };
          vulnerabilities?: Record<string, { severity: string }>;
          error?: { summary?: string };
          message?: string;
        };
      } catch {
        return undefined;
      }
    })();
    const counts = parsed?.metadata?.vulnerabilities;
    if (!counts) {
      // The registry's audit endpoint cannot be reached from here: record it honestly; CI sets MESHGUARD_REQUIRE_AUDIT=1.
      const why =
        (
          parsed?.error?.summary ||
          parsed?.message ||
          audit.stderr.split('\n').find((l) => /error/i.test(l)) ||
          'no answer'
        )
          .split('\n')
          .find((l) => l.trim()) ?? 'no answer';
      report.unverified(
        'security',
        '`npm audit --omit=dev --audit-level=high`',
        'no high or critical advisories in production dependencies',
        `the registry's audit endpoint could not be reached (${why.trim().slice(0, 120)}); set MESHGUARD_REQUIRE_AUDIT=1 to make that a failure`,
      );
      if (process.env.MESHGUARD_REQUIRE_AUDIT === '1') throw new Error(`npm audit could not run: ${why}`);
      return;
    }
    await report.check(
      'security',
      '`npm audit --omit=dev --audit-level=high`',
      'no high or critical advisories in production dependencies',
      async (note) => {
        const bad = Object.entries(parsed?.vulnerabilities ?? {})
          .filter(([, v]) => v.severity === 'high' || v.severity === 'critical')
          .map(([name, v]) => `${name} (${v.severity})`);
        note(bad.length ? `vulnerable: ${bad.join(', ')}` : `clean (${JSON.stringify(counts)})`);
        expect(bad).toEqual([]);
      },
    );
  }, 90_000);
});
