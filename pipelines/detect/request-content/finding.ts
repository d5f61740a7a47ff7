/**
 * One source's evidence against one service as a finding: named after what its requests mostly showed
 * (sql_injection, path_traversal, cross_site_scripting, else request_injection), scored by how much
 * evidence there is, with redacted samples and what the service answered.
 */
import type { Finding } from '../../core/finding.js';
import type { WindowContext } from '../detector.js';
import type { RequestContentConfig } from './config.js';
import type { ServiceEvidence } from './evidence.js';

export const SQL_INJECTION = 'sql_injection';
export const PATH_TRAVERSAL = 'path_traversal';
export const CROSS_SITE_SCRIPTING = 'cross_site_scripting';
export const REQUEST_INJECTION = 'request_injection';
/** Header values holding quotes that shift the fields of Envoy's text access log. */
export const LOG_FIELD_INJECTION = 'log_field_injection';
export const NAMES: readonly string[] = [
  SQL_INJECTION,
  PATH_TRAVERSAL,
  CROSS_SITE_SCRIPTING,
  REQUEST_INJECTION,
  LOG_FIELD_INJECTION,
];

const NAME_OF: Record<string, string> = {
  sql: SQL_INJECTION,
  traversal: PATH_TRAVERSAL,
  null_byte: PATH_TRAVERSAL,
  xss: CROSS_SITE_SCRIPTING,
  markup: CROSS_SITE_SCRIPTING,
  header: LOG_FIELD_INJECTION,
};

const WHAT_OF: Record<string, string> = {
  [SQL_INJECTION]: 'SQL injection',
  [PATH_TRAVERSAL]: 'path traversal',
  [CROSS_SITE_SCRIPTING]: 'cross-site scripting',
  [REQUEST_INJECTION]: 'injection',
  [LOG_FIELD_INJECTION]: 'quoted header values shifting access-log fields',
};

/** Distinct kinds of weak signal needed when no request had a strong one. */
export const MIN_WEAK_KINDS = 3;

/** Evidence 1 (one strong hit) → 0.999, 1.5 → 0.9997, 3 and more → 0.99999: tail probabilities. */
export function evidenceScore(evidence: number): number {
  return 1 - Math.pow(10, -(2 + Math.min(evidence, 3)));
}

export function contentFinding(
  ctx: WindowContext,
  destination: string,
  e: ServiceEvidence,
  evidence: number,
  cfg: RequestContentConfig,
): Finding | undefined {
  if (evidence < cfg.min_evidence) return undefined;
  // Weak signals alone are a prober trying one break-out after another (a quote, markup, an overlong
  // value), not one kind over and over: that is a free-text field the model has not learned yet.
  if (e.strong === 0 && e.labels.size < MIN_WEAK_KINDS) return undefined;
  const score = evidenceScore(evidence);
  if (score < cfg.threshold) return undefined;
  const detector = NAME_OF[e.dominantFamily()] ?? REQUEST_INJECTION;
  const answered = [...e.statuses].sort((a, b) => b[1] - a[1]);
  const ok = answered.filter(([s]) => s >= 200 && s < 400).reduce((n, [, c]) => n + c, 0);
  const signals = Object.fromEntries([...e.labels].sort((a, b) => b[1] - a[1]));
  return {
    detector,
    kind: 'unauthorized_access',
    entity: ctx.window.src,
    score,
    timeMs: ctx.endMs,
    firstEventMs: e.firstMs,
    evidence: {
      summary:
        `${e.requests} request${e.requests === 1 ? '' : 's'} with ${WHAT_OF[detector]} (${Object.keys(signals).join(', ')}) ` +
        `to ${destination}${ok > 0 ? `, ${ok} answered ${ok === e.requests ? 'successfully' : 'with 2xx/3xx'}` : ''}`,
      destination,
      suspicious_requests: e.requests,
      strong_signals: e.strong,
      signals,
      samples: [...e.samples],
      answered: Object.fromEntries(answered.map(([s, n]) => [String(s), n])),
      distinct_routes: e.routes.size,
      evidence: Math.round(evidence * 100) / 100,
      over_secs: Math.round((e.lastMs - e.firstMs) / 1000),
      ...(Number.isNaN(e.maxNovelty) ? {} : { model_novelty: Math.round(e.maxNovelty * 100) / 100 }),
    },
  };
}
