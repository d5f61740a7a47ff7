/**
 * Slow and low: the attack shapes of the fast library, sent one request every 10 s (or every 2 s), so
 * no single window holds enough of them for a burst detector: credential guessing answered 401, a
 * wordlist scan answered 404, a port sweep refused port by port, password guessing over plain TCP (no
 * HTTP status to refuse it) one session every 20 s. And the benign look-alike that must
 * stay quiet: a misconfigured client polling one removed endpoint and one decommissioned address.
 */
import type { Rng } from '../prng.js';
import {
  appWorkloads,
  craft,
  during,
  externalHost,
  periodic,
  type ScenarioContext,
  type ScenarioDefinition,
  type ScenarioPlan,
} from '../scenario.js';
import type { SimRequest } from '../traffic.js';
import { isWorkload, type Workload } from '../topology.js';
import { callersFirst, loginAttempt, loginService, MINUTE, shuffled } from './helpers.js';
import { probe } from './network-sweep.js';
import { PATHS } from './path-scanning.js';
import { guessingTarget, tcpLogin } from './tcp-password-guessing.js';

const JITTER_MS = 1_500;

/** Backup and config files a wordlist tries after the well-known paths. */
const BACKUP_PATHS = [
  '/backup.tar.gz',
  '/db.sql',
  '/dump.sql',
  '/.env.bak',
  '/config.php.bak',
  '/web.config',
];
const SLOW_WORDLIST = [
  ...PATHS,
  ...BACKUP_PATHS,
  '/.svn/entries',
  '/.htpasswd',
  '/server-info',
  '/admin.php',
];

/** One crafted request every `periodMs` (± 1.5 s) for the scenario's duration. */
function everyPeriod(
  ctx: ScenarioContext,
  durationMs: number,
  periodMs: number,
  request: (time: number, n: number, rng: Rng) => SimRequest,
): ScenarioPlan {
  const endMs = ctx.startMs + durationMs;
  const seed = (ctx.rng.next() * 4294967296) >>> 0;
  return {
    endMs,
    tick(tickMs, rng, emit) {
      periodic(tickMs, ctx.startMs, endMs, periodMs, Math.min(JITTER_MS, periodMs / 3), seed, (t, n) =>
        emit(request(t, n, rng)),
      );
    },
  };
}

function slowCredentialGuessing(name: string, periodMs: number, durationMs: number): ScenarioDefinition {
  return {
    name,
    description: `POST /login with guessed passwords, one every ${periodMs / 1000} s, answered 401.`,
    attack: true,
    acceptableKinds: ['unauthorized_access'],
    durationMs,
    candidates: (t) => callersFirst(t, loginService).filter((w) => !loginService(w)),
    plan(ctx) {
      const t = ctx.topology;
      const target =
        t.workloads.find(loginService) ?? t.workloads.find((w) => w.kind === 'api' && w !== ctx.actor)!;
      return everyPeriod(ctx, durationMs, periodMs, (time, _n, rng) => {
        const ok = rng.chance(0.02);
        return craft(ctx, rng, time, target, loginAttempt(rng, ok));
      });
    },
  };
}

function slowPathScan(name: string, periodMs: number, durationMs: number): ScenarioDefinition {
  return {
    name,
    description: `A wordlist of sensitive paths against a few services, one request every ${periodMs / 1000} s, mostly 404.`,
    attack: true,
    acceptableKinds: ['scanning'],
    durationMs,
    candidates: (t) => appWorkloads(t),
    plan(ctx) {
      const others = ctx.topology.workloads.filter(
        (w) => w !== ctx.actor && w.sidecar && w.kind !== 'gateway',
      );
      const targets = shuffled(others, ctx.rng).slice(0, Math.min(3, others.length));
      const wordlist = shuffled(SLOW_WORDLIST, ctx.rng);
      return everyPeriod(ctx, durationMs, periodMs, (time, n, rng) => {
        const path = wordlist[n % wordlist.length]!;
        const r = rng.next();
        const status = r < 0.85 ? 404 : r < 0.95 ? 403 : 200;
        return craft(ctx, rng, time, targets[n % targets.length]!, {
          path,
          status,
          bytesDown: status === 200 ? rng.int(300, 4000) : rng.int(9, 160),
          durationMs: rng.int(1, 6),
        });
      });
    },
  };
}

function slowPortSweep(name: string, periodMs: number, durationMs: number): ScenarioDefinition {
  return {
    name,
    description: `A TCP port sweep of one pod IP, one port every ${periodMs / 1000} s, refused (UF).`,
    attack: true,
    acceptableKinds: ['scanning'],
    durationMs,
    candidates: (t) => appWorkloads(t),
    plan(ctx) {
      const victims = ctx.topology.workloads.filter((w) => w !== ctx.actor && w.kind !== 'infra');
      const victim = ctx.rng.pick(victims);
      const ip = ctx.rng.pick(victim.pods).ip;
      const first = ctx.rng.int(1, 900);
      return everyPeriod(ctx, durationMs, periodMs, (time, n, rng) => {
        const port = first + n;
        return probe(ctx, rng, time, externalHost(ip, ip, port), port === victim.port);
      });
    },
  };
}

/** SSH/FTP-like login attempts to a data service the actor never calls, one short session per period. */
function slowTcpPasswordGuessing(name: string, periodMs: number, durationMs: number): ScenarioDefinition {
  return {
    name,
    description: `SSH/FTP-like login attempts over plain TCP, one short session every ${periodMs / 1000} s.`,
    attack: true,
    acceptableKinds: ['unauthorized_access'],
    durationMs,
    candidates: (t) => appWorkloads(t),
    plan(ctx) {
      const target = guessingTarget(ctx);
      const ssh = ctx.rng.chance(0.5);
      return everyPeriod(ctx, durationMs, periodMs, (time, _n, rng) =>
        craft(ctx, rng, time, target, tcpLogin(rng, ssh)),
      );
    },
  };
}

export const slowCredentialGuessing10s = slowCredentialGuessing(
  'slow_credential_guessing',
  10_000,
  12 * MINUTE,
);
export const slowCredentialGuessing2s = slowCredentialGuessing(
  'slow_credential_guessing_2s',
  2_000,
  5 * MINUTE,
);
export const slowPathScan10s = slowPathScan('slow_path_scan', 10_000, 12 * MINUTE);
export const slowPathScan2s = slowPathScan('slow_path_scan_2s', 2_000, 5 * MINUTE);
export const slowPortSweep10s = slowPortSweep('slow_port_sweep', 10_000, 12 * MINUTE);
export const slowPortSweep2s = slowPortSweep('slow_port_sweep_2s', 2_000, 5 * MINUTE);
export const slowTcpPasswordGuessing20s = slowTcpPasswordGuessing(
  'slow_tcp_password_guessing',
  20_000,
  15 * MINUTE,
);

/**
 * A client left pointing at what was removed: every 10 s it polls an endpoint the service no longer has
 * (404, always the same path), and on some of the requests it serves it tries a decommissioned database
 * address again (refused; request-driven, so at no fixed period), for twenty minutes.
 */
export const misconfiguredClient: ScenarioDefinition = {
  name: 'misconfigured_client',
  description:
    'Polls one removed endpoint (404) every 10 s and retries one decommissioned address (refused).',
  attack: false,
  acceptableKinds: [],
  durationMs: 20 * MINUTE,
  candidates: (t) =>
    appWorkloads(t).filter((w) => t.outgoing(w).some((e) => isWorkload(e.dst) && e.dst.sidecar)),
  plan(ctx) {
    const edge = ctx.rng.pick(
      ctx.topology.outgoing(ctx.actor).filter((e) => isWorkload(e.dst) && e.dst.sidecar),
    );
    const dst = edge.dst as Workload;
    const gone = externalHost('10.99.0.17', '10.99.0.17', 5432);
    const poll = everyPeriod(ctx, this.durationMs, 10_000, (time, _n, rng) =>
      craft(ctx, rng, time, dst, { path: '/api/v1/legacy-status', status: 404, bytesDown: rng.int(9, 60) }),
    );
    return {
      endMs: poll.endMs,
      tick(tickMs, rng, emit) {
        poll.tick(tickMs, rng, emit);
        during(tickMs, ctx.startMs, poll.endMs, 0.05, rng, (time) =>
          emit(probe(ctx, rng, time, gone, false)),
        );
      },
    };
  },
};
