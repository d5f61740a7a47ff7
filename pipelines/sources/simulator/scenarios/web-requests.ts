/**
 * What the web-attack scenarios and their benign look-alikes share: which service an actor sends its
 * requests to (one it calls anyway, so content is the only thing that differs), and the payloads, as a
 * client URL-encodes them into a query string (OWASP testing guide and sqlmap / nikto style probes).
 */
import type { EndpointTemplate } from '../catalog.js';
import type { Rng } from '../prng.js';
import type { ScenarioContext, ScenarioPlan } from '../scenario.js';
import { appWorkloads, craft, periodic } from '../scenario.js';
import { responseBytes } from '../traffic.js';
import { isWorkload, type Topology, type Workload } from '../topology.js';

export interface WebTarget {
  dst: Workload;
  endpoint: EndpointTemplate;
  /** The endpoint's path without its query, ids filled in by the caller. */
  basePath: string;
  /** The endpoint's own query keys (`q`, `page`...), or `id` when it has none. */
  keys: string[];
}

/** Heavier endpoints (exports, dataset pages) would turn extra requests into a volume anomaly. */
const MAX_RESPONSE_BYTES = 40_000;

const getEndpoints = (w: Workload): EndpointTemplate[] =>
  w.endpoints.filter(
    (e) => e.method === 'GET' && e.profile !== 'health' && e.respBytes <= MAX_RESPONSE_BYTES,
  );

function targetOf(dst: Workload, endpoint: EndpointTemplate): WebTarget {
  const [basePath, query] = endpoint.path.split('?') as [string, string | undefined];
  const keys = query ? query.split('&').map((p) => p.split('=')[0]!) : ['id'];
  return { dst, endpoint, basePath, keys };
}

/** Services `w` calls in the baseline that answer GETs, those with a query string first. */
export function webTargets(t: Topology, w: Workload): WebTarget[] {
  const out: WebTarget[] = [];
  for (const e of t.outgoing(w)) {
    if (!isWorkload(e.dst) || !e.dst.sidecar) continue;
    for (const ep of getEndpoints(e.dst)) out.push(targetOf(e.dst, ep));
  }
  // Endpoints with a query string first, then the lighter ones (a search, not a bulk export).
  const score = (x: WebTarget): number => (x.endpoint.path.includes('?') ? 0 : 1e9) + x.endpoint.respBytes;
  return out.sort((a, b) => score(a) - score(b));
}

/** App workloads that call a service answering GETs with a query string, then the other callers of GETs. */
export function webCallers(t: Topology): Workload[] {
  const apps = appWorkloads(t).filter((w) => w.kind !== 'job' && webTargets(t, w).length > 0);
  const withQuery = apps.filter((w) => webTargets(t, w)[0]!.endpoint.path.includes('?'));
  return [...withQuery, ...apps.filter((w) => !withQuery.includes(w))];
}

/** The actor's first target (a service with a query endpoint where it has one). */
export function webTarget(ctx: ScenarioContext): WebTarget | undefined {
  return webTargets(ctx.topology, ctx.actor)[0];
}

/** Fill `{id}`-style placeholders of a path with a plausible id. */
export function filled(path: string, rng: Rng): string {
  return path.replace(/\{[a-z]+\}/g, () => String(rng.int(1000, 99_999)));
}

export const SQL_INJECTION = [
  "1' OR '1'='1",
  "1' OR 1=1-- -",
  "1' AND SLEEP(5)-- -",
  "-1' UNION SELECT username,password FROM users-- -",
  '1 UNION ALL SELECT NULL,NULL,NULL--',
  "admin'--",
  "1') OR ('a'='a",
  '1 AND 1=2 UNION SELECT table_name FROM information_schema.tables',
  "1'; DROP TABLE orders;--",
  "' or ''='",
];

export const TRAVERSAL = [
  '..%2f..%2f..%2f..%2fetc%2fpasswd',
  '%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  '%252e%252e%252f%252e%252e%252fetc%252fpasswd',
  '..%c0%af..%c0%af..%c0%afetc%c0%afpasswd',
  '....%2f%2f....%2f%2fetc%2fpasswd',
  '..%5c..%5c..%5cwindows%5cwin.ini',
  '%2fetc%2fpasswd%00.png',
];

export const XSS = [
  '<script>alert(1)</script>',
  '"><script>alert(document.cookie)</script>',
  '<img src=x onerror=alert(1)>',
  '<svg/onload=alert(1)>',
  '" onmouseover="alert(1)',
  'javascript:alert(1)',
  '<iframe src=javascript:alert(1)>',
  '<body onload=alert(1)>',
];

/** Form encoding as browsers submit it: encodeURIComponent, `'` as %27 and spaces as `+`. */
export function formEncode(value: string): string {
  return encodeURIComponent(value).replace(/'/g, '%27').replace(/%20/g, '+');
}

/** The n-th crafted request of a slow web attack: its path (and query) and the status it gets. */
export type WebProbe = (target: WebTarget, n: number, rng: Rng) => { path: string; status: number };

/**
 * The plan every slow web attack shares: one crafted request to an endpoint the actor already calls,
 * every `periodMs` (± `jitterMs`) until `durationMs` has passed, each taking `latencyMs` (min, max).
 */
export function webProbePlan(
  ctx: ScenarioContext,
  durationMs: number,
  every: { periodMs: number; jitterMs: number; latencyMs: readonly [number, number] },
  probe: WebProbe,
): ScenarioPlan {
  const target = webTarget(ctx);
  const endMs = ctx.startMs + durationMs;
  const seed = (ctx.rng.next() * 4294967296) >>> 0;
  return {
    endMs,
    tick(tickMs, rng, emit) {
      if (target === undefined) return;
      periodic(tickMs, ctx.startMs, endMs, every.periodMs, every.jitterMs, seed, (time, n) => {
        const { path, status } = probe(target, n, rng);
        emit(
          craft(ctx, rng, time, target.dst, {
            path,
            status,
            bytesDown: responseBytes(target.endpoint, status, rng),
            durationMs: rng.int(every.latencyMs[0], every.latencyMs[1]),
          }),
        );
      });
    },
  };
}
