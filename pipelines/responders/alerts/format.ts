/**
 * The text of an alert, shared by every channel so the on-call engineer reads the same thing in the
 * console, Slack, PagerDuty and Alertmanager: who, what (with the evidence against the baseline), how sure,
 * what was done automatically, and the exact undo.
 *
 * Incidents come from the pipeline, but their evidence is free-form and partly attacker-influenced (paths,
 * hosts): every field is read defensively and nothing here throws.
 */
import type { Incident, IncidentKind, WorkloadIdentity } from '../../core/incident.js';

export type AlertEvent = 'trigger' | 'resolve';

export interface AlertText {
  /** One line: "[HIGH] Data exfiltration from shop/frontend". */
  title: string;
  who: string;
  /** The kind in plain words. */
  what: string;
  /** Key evidence, one short line each, at most MAX_EVIDENCE_LINES. */
  evidence: string[];
  howSure: string;
  /** What meshguard did automatically (or, on resolve, that it was released). */
  done: string;
  /** The exact command or step that undoes the automatic action. */
  undo: string;
  /** The incident's page in the console. */
  link: string;
  /** One line for summaries (PagerDuty summary, Alertmanager summary annotation); at most 1024 characters. */
  summary: string;
  /** The whole block, a few lines, for the console and descriptions. */
  text: string;
}

export const MAX_EVIDENCE_LINES = 6;

const KIND_WORDS: Record<IncidentKind, { title: string; plain: string }> = {
  unauthorized_access: {
    title: 'Unauthorized access',
    plain: 'repeatedly denied by authorization (401/403/RBAC) while calling services',
  },
  exfiltration: { title: 'Data exfiltration', plain: 'sending far more data out than it usually does' },
  lateral_movement: {
    title: 'Lateral movement',
    plain: 'calling services it never talked to during its baseline',
  },
  scanning: { title: 'Scanning', plain: 'probing many paths, ports or services it does not normally use' },
  anomaly: { title: 'Anomalous traffic', plain: 'traffic unlike its learned baseline' },
};

function str(value: unknown, fallback = '?'): string {
  return typeof value === 'string' && value !== ''
    ? value
    : typeof value === 'number'
      ? String(value)
      : fallback;
}

export function kindTitle(kind: unknown): string {
  return KIND_WORDS[kind as IncidentKind]?.title ?? `Incident (${str(kind)})`;
}

export function kindInPlainWords(kind: unknown): string {
  return KIND_WORDS[kind as IncidentKind]?.plain ?? 'unusual traffic';
}

/** "shop/frontend" for an identity, the address otherwise. Short: used in titles and labels. */
export function workloadShortName(workload: WorkloadIdentity | undefined): string {
  if (!workload || typeof workload !== 'object') return 'unknown workload';
  if ('serviceAccount' in workload && workload.serviceAccount)
    return `${str(workload.namespace)}/${str(workload.serviceAccount)}`;
  if ('address' in workload && workload.address) {
    if (workload.namespace && workload.workload)
      return `${workload.namespace}/${workload.workload} (${workload.address})`;
    return str(workload.address);
  }
  return 'unknown workload';
}

/** Who, in full: service account, namespace and principal, or the address and why there is no identity. */
export function describeWorkload(workload: WorkloadIdentity | undefined): string {
  if (!workload || typeof workload !== 'object') return 'unknown workload';
  if ('serviceAccount' in workload && workload.serviceAccount)
    return `service account ${str(workload.serviceAccount)} in namespace ${str(workload.namespace)} (${str(workload.principal, 'no principal')})`;
  if ('address' in workload && workload.address) {
    const pod =
      workload.namespace && workload.workload ? `, workload ${workload.namespace}/${workload.workload}` : '';
    return `address ${workload.address}${pod} (the logs carry no mesh identity)`;
  }
  return 'unknown workload';
}

function formatNumber(key: string, n: number): string {
  if (/bytes/i.test(key) && Math.abs(n) >= 1024) {
    const units = ['KiB', 'MiB', 'GiB', 'TiB'];
    let v = n / 1024;
    let u = 0;
    while (Math.abs(v) >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return `${v.toFixed(1)} ${units[u]}`;
  }
  if (Number.isInteger(n)) return String(n);
  return Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 1 ? n.toFixed(2) : n.toPrecision(3);
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : text.slice(0, max - 1) + '…';
}

function formatValue(key: string, value: unknown, depth = 0): string {
  if (typeof value === 'number') return formatNumber(key, value);
  if (typeof value === 'string') return clip(value, 120);
  if (typeof value === 'boolean') return String(value);
  if (value == null) return '-';
  if (Array.isArray(value)) {
    const shown = value.slice(0, 3).map((v) => formatValue(key, v, depth + 1));
    return shown.join(', ') + (value.length > 3 ? ` (+${value.length - 3} more)` : '');
  }
  if (typeof value === 'object' && depth < 1) {
    const o = value as Record<string, unknown>;
    if ('observed' in o && 'baseline' in o) return observedVsBaseline(key, o.observed, o.baseline);
    return Object.entries(o)
      .slice(0, 4)
      .map(([k, v]) => `${k}=${formatValue(k, v, depth + 1)}`)
      .join(' ');
  }
  return clip(JSON.stringify(value) ?? '', 80);
}

function observedVsBaseline(key: string, observed: unknown, baseline: unknown): string {
  const o = formatValue(key, observed, 1);
  const b = formatValue(key, baseline, 1);
  const ratio =
    typeof observed === 'number' && typeof baseline === 'number' && baseline > 0
      ? ` (${formatNumber('', observed / baseline)}x)`
      : '';
  return `${o} vs baseline ${b}${ratio}`;
}

function humanKey(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/_/g, ' ')
    .toLowerCase();
}

/**
 * Evidence lines, key numbers first: `summary` verbatim, then `<x>` paired with `<x>_baseline` / `<x>Baseline`
 * or a top-level `observed`/`baseline`, then the remaining fields.
 */
export function evidenceLines(evidence: unknown): string[] {
  if (!evidence || typeof evidence !== 'object' || Array.isArray(evidence)) return [];
  const e = evidence as Record<string, unknown>;
  const used = new Set<string>();
  const lines: string[] = [];
  if (typeof e.summary === 'string') {
    lines.push(clip(e.summary, 200));
    used.add('summary');
  }
  if ('observed' in e && 'baseline' in e) {
    const metric = typeof e.metric === 'string' ? e.metric : 'observed';
    lines.push(`${humanKey(metric)}: ${observedVsBaseline(metric, e.observed, e.baseline)}`);
    for (const k of ['observed', 'baseline', 'metric']) used.add(k);
  }
  for (const key of Object.keys(e)) {
    if (used.has(key)) continue;
    const baselineKey = [`${key}_baseline`, `${key}Baseline`, `baseline_${key}`].find((k) => k in e);
    if (baselineKey) {
      lines.push(`${humanKey(key)}: ${observedVsBaseline(key, e[key], e[baselineKey])}`);
      used.add(key).add(baselineKey);
    }
  }
  for (const [key, value] of Object.entries(e)) {
    if (used.has(key)) continue;
    lines.push(`${humanKey(key)}: ${formatValue(key, value)}`);
  }
  if (lines.length > MAX_EVIDENCE_LINES) {
    const more = lines.length - MAX_EVIDENCE_LINES;
    return [...lines.slice(0, MAX_EVIDENCE_LINES), `(+${more} more in the incident)`];
  }
  return lines;
}

function describeAction(incident: Incident, event: AlertEvent): string {
  const action = incident.action ?? { type: 'alert' };
  const policy = action.policy ? `AuthorizationPolicy ${action.policy}` : 'an AuthorizationPolicy';
  if (event === 'resolve') {
    const released =
      action.type === 'quarantine' ? `resolved: quarantine released (${policy} removed)` : 'resolved';
    return action.reason ? `${released}; ${action.reason}` : released;
  }
  let done: string;
  if (action.type === 'quarantine' && action.containment === 'contain-to-baseline') {
    // Graduated containment: the offender keeps its learned calls, which on-call must know before acting.
    const policies = action.policy ? `policies ${action.policy}*` : 'DENY policies';
    if (action.mode === 'enforce')
      done = `contained to its baseline (enforce): ${policies} deny every call outside its learned edges (applied; propagation is asynchronous)`;
    else if (action.mode === 'pending-approval')
      done = `containment to its baseline waiting for approval: ${policies} are prepared, nothing enforced yet`;
    else
      done = `contained to its baseline in dry-run: ${policies} log the calls outside its learned edges, nothing is blocked`;
    if (action.reason) done += `; ${action.reason}`;
  } else if (action.type === 'quarantine') {
    if (action.mode === 'enforce')
      done = `quarantined (enforce): ${policy} denies its traffic (applied; propagation is asynchronous)`;
    else if (action.mode === 'pending-approval')
      done = `quarantine waiting for approval: ${policy} is prepared, nothing enforced yet`;
    else done = `quarantine in dry-run: ${policy} logs what it would deny, nothing is blocked`;
    if (action.reason) done += `; ${action.reason}`;
  } else {
    done = `alert only: ${action.reason ?? 'no automatic action configured for this incident'}`;
  }
  if (Array.isArray(action.notEnforced) && action.notEnforced.length > 0)
    done += `; not enforced: ${action.notEnforced.join('; ')}`;
  return done;
}

/** incident.action.undo is filled by the quarantine side; this is the fallback when it is absent. */
function describeUndo(incident: Incident, event: AlertEvent, adminUrl: string): string {
  const action = incident.action ?? { type: 'alert' };
  if (event === 'resolve')
    return action.type === 'quarantine' ? 'nothing to undo: the quarantine was released' : 'nothing to undo';
  if (typeof action.undo === 'string' && action.undo !== '') return action.undo;
  if (action.type !== 'quarantine') return 'nothing to undo (no automatic action)';
  const base = adminUrl.replace(/\/+$/, '');
  // The same form as the quarantine side's undo (POST /api/quarantines/{id}/release on the admin API).
  if (action.policy)
    return `curl -X POST -H "Authorization: Bearer $TOKEN" ${base}/api/quarantines/${action.policy}/release (or delete AuthorizationPolicy ${action.policy})`;
  return `release the quarantine of incident ${str(incident.id)} through the admin API (${base}/api/quarantines)`;
}

/** One line for a terminal: time, kind, offender, severity, action, and the link to the incident's page. */
export function formatAlertLine(
  incident: Incident,
  event: AlertEvent,
  opts: { adminUrl: string; consoleUrl?: string },
): string {
  const time = /T(\d\d:\d\d:\d\d)/.exec(str(incident.detectedAt))?.[1] ?? str(incident.detectedAt);
  const action = incident.action ?? { type: 'alert' };
  const done =
    event === 'resolve'
      ? 'released'
      : action.type === 'quarantine'
        ? `${action.containment === 'contain-to-baseline' ? 'contained' : 'quarantine'} (${str(action.mode)})`
        : 'alert only';
  const severity = event === 'resolve' ? 'RESOLVED' : str(incident.severity, 'unknown').toUpperCase();
  const link = consoleIncidentUrl(opts.consoleUrl || opts.adminUrl, str(incident.id));
  return `${time}  ${severity.padEnd(8)} ${str(incident.kind).padEnd(19)} ${clip(workloadShortName(incident.workload), 40).padEnd(28)} ${done.padEnd(26)} ${link}`;
}

/** The incident's page in the console: a stable URL every alert carries. */
export function consoleIncidentUrl(consoleUrl: string, incidentId: string): string {
  return `${consoleUrl.replace(/\/+$/, '')}/ui/incidents/${encodeURIComponent(incidentId)}`;
}

export function formatAlert(
  incident: Incident,
  event: AlertEvent,
  opts: { adminUrl: string; consoleUrl?: string },
): AlertText {
  const severity = str(incident.severity, 'unknown');
  const name = workloadShortName(incident.workload);
  const prefix = event === 'resolve' ? 'RESOLVED' : severity.toUpperCase();
  const title = clip(`[${prefix}] ${kindTitle(incident.kind)} from ${name}`, 150);
  const who = describeWorkload(incident.workload);
  const what = kindInPlainWords(incident.kind);
  const evidence = evidenceLines(incident.evidence);
  const score = typeof incident.score === 'number' ? incident.score.toFixed(2) : '?';
  const detectors =
    Array.isArray(incident.detectors) && incident.detectors.length > 0
      ? incident.detectors.join(', ')
      : 'none listed';
  const howSure = `score ${score}, severity ${severity}, detectors: ${detectors}`;
  const done = describeAction(incident, event);
  const undo = describeUndo(incident, event, opts.adminUrl);
  const link = consoleIncidentUrl(opts.consoleUrl || opts.adminUrl, str(incident.id));
  const keyEvidence = evidence[0] ? `; ${evidence[0]}` : '';
  const summary = clip(`${title}: ${what}${keyEvidence} (${howSure})`, 1024);
  const text = [
    title,
    `  who:    ${who}`,
    `  what:   ${what}`,
    ...evidence.map((line) => `          - ${line}`),
    `  sure:   ${howSure}`,
    `  done:   ${done}`,
    `  undo:   ${undo}`,
    `  view:   ${link}`,
    `  id:     ${str(incident.id)} (first event ${str(incident.firstEventTime)}, detected ${str(incident.detectedAt)})`,
  ].join('\n');
  return { title, who, what, evidence, howSure, done, undo, link, summary, text };
}
