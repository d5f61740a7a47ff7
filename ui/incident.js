// One incident, at its stable URL /ui/incidents/<id>: what happened (evidence in words and numbers),
// the offender's traffic against its own baseline, its edges, the detectors, the alerts sent, and the
// policy meshguard wrote with its undo.
import { h } from 'preact';
import htm from 'htm';
import { usePoll } from './api.js';
import { QuarantineAction, actionsFor } from './actions.js';
import { EdgeGraph } from './edges.js';
import {
  KINDS,
  actionText,
  containmentText,
  formatNumber,
  formatTime,
  humanKey,
  offenderDetail,
  offenderName,
} from './format.js';
import { ledgerState } from './quarantines.js';
import { Timeline } from './timeline.js';

const html = htm.bind(h);

/** Evidence as rows: the summary sentence, then every field, a number beside its baseline when it has one. */
export function evidenceRows(evidence) {
  if (!evidence || typeof evidence !== 'object') return [];
  const rows = [];
  const used = new Set(['summary']);
  for (const key of Object.keys(evidence)) {
    const baselineKey = [`${key}_baseline`, `${key}Baseline`, `baseline_${key}`].find((k) => k in evidence);
    if (baselineKey && typeof evidence[key] === 'number') {
      const base = evidence[baselineKey];
      const ratio = typeof base === 'number' && base > 0 ? ` (${formatNumber(evidence[key] / base)}×)` : '';
      rows.push([
        humanKey(key),
        `${formatNumber(evidence[key], key)} vs baseline ${formatNumber(base, key)}${ratio}`,
      ]);
      used.add(key).add(baselineKey);
    }
  }
  for (const [key, value] of Object.entries(evidence)) {
    if (used.has(key)) continue;
    rows.push([humanKey(key), describe(key, value)]);
  }
  return rows;
}

function describe(key, value) {
  if (typeof value === 'number') return formatNumber(value, key);
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map((v) => describe(key, v)).join(', ');
  if (value && typeof value === 'object')
    return Object.entries(value)
      .map(([k, v]) => `${humanKey(k)} ${describe(k, v)}`)
      .join('; ');
  return String(value ?? '-');
}

function Alerts({ id }) {
  const { data, error } = usePoll(`/api/incidents/${encodeURIComponent(id)}/alerts`, 5000);
  if (error) return html`<p class="error" role="alert">${error.message}</p>`;
  const deliveries = data?.deliveries ?? [];
  if (!data) return html`<p class="status">Loading…</p>`;
  if (deliveries.length === 0)
    return html`<p class="status">No alert was sent for this incident by this process.</p>`;
  return html`<table>
    <thead>
      <tr>
        <th scope="col">Channel</th>
        <th scope="col">Event</th>
        <th scope="col">Status</th>
        <th scope="col">Attempts</th>
        <th scope="col">When</th>
      </tr>
    </thead>
    <tbody>
      ${deliveries.map(
        (d) =>
          html`<tr>
            <td>${d.channel}</td>
            <td>${d.event}</td>
            <td class=${d.status === 'delivered' ? 'ok' : d.status === 'failed' ? 'error' : ''}>
              ${d.status}${d.error ? `: ${d.error}` : ''}
            </td>
            <td>${d.attempts}</td>
            <td>${formatTime(d.updatedAt)}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

function Policy({ incident }) {
  const { data, error, reload } = usePoll('/api/quarantines', 5000);
  const quarantine = (data?.quarantines ?? []).find(
    (q) =>
      (q.incident && q.incident.id === incident.id) ||
      (incident.action?.policy && q.id === incident.action.policy),
  );
  const yamlPath = quarantine
    ? `/api/quarantines/${encodeURIComponent(quarantine.id)}/policy.yaml`
    : undefined;
  const yaml = usePoll(yamlPath, 0);
  if (incident.action?.type !== 'quarantine')
    return html`<p>Alert only: ${incident.action?.reason ?? 'no automatic action for this incident.'}</p>`;
  if (error) return html`<p class="error" role="alert">${error.message}</p>`;
  if (!quarantine)
    return html`<p class="status">
      Policy ${incident.action.policy ?? ''} (${incident.action.mode}); no ledger record kept.
    </p>`;
  const ttlMs = Date.parse(quarantine.expiresAt) - Date.now();
  return html`<div class="card" data-quarantine-id=${quarantine.id}>
    <dl class="facts">
      <dt>State</dt>
      <dd><span class=${`state state-${ledgerState(quarantine)}`}>${ledgerState(quarantine)}</span></dd>
      <dt>Mode</dt>
      <dd>${quarantine.mode}</dd>
      <dt>Response</dt>
      <dd>${containmentText(quarantine)}</dd>
      <dt>TTL</dt>
      <dd>
        expires
        ${formatTime(quarantine.expiresAt)}${ttlMs > 0 ? ` (in ${Math.round(ttlMs / 60000)} min)` : ''}
      </dd>
      <dt>Undo</dt>
      <dd><code>${quarantine.undo}</code></dd>
      ${
        quarantine.notEnforced?.length > 0 &&
        html`<dt>Not enforced</dt>
          <dd>${quarantine.notEnforced.join('; ')}</dd>`
      }
    </dl>
    <div class="actions">
      ${actionsFor(quarantine).map(
        (verb) =>
          html`<${QuarantineAction} key=${verb} verb=${verb} quarantine=${quarantine} onDone=${reload} />`,
      )}
    </div>
    <h3>Policy YAML</h3>
    ${yaml.error && html`<p class="error" role="alert">${yaml.error.message}</p>`}
    <pre aria-label="Policy YAML"><code>${typeof yaml.data === 'string' ? yaml.data : 'Loading…'}</code></pre>
  </div>`;
}

export function IncidentView({ id }) {
  const { data: incident, error, loading } = usePoll(`/api/incidents/${encodeURIComponent(id)}`, 0);
  if (loading) return html`<p class="status">Loading incident ${id}…</p>`;
  if (error)
    return html`<section>
      <h1>Incident ${id}</h1>
      <p class="error" role="alert">${error.message}</p>
      <p><a href="/ui/">All incidents</a></p>
    </section>`;
  const summary = typeof incident.evidence?.summary === 'string' ? incident.evidence.summary : '';
  return html`<article aria-labelledby="incident-title" data-incident-id=${incident.id}>
    <p><a href="/ui/">← All incidents</a></p>
    <h1 id="incident-title">
      ${KINDS[incident.kind] ?? incident.kind} from
      <span class="offender">${offenderName(incident.workload)}</span>
    </h1>
    <dl class="facts card">
      <dt>Incident</dt>
      <dd><code>${incident.id}</code></dd>
      <dt>Kind</dt>
      <dd class="kind">${incident.kind}</dd>
      <dt>Offender</dt>
      <dd>
        ${offenderName(incident.workload)} <span class="principal">${offenderDetail(incident.workload)}</span>
      </dd>
      <dt>Severity</dt>
      <dd>
        <span class=${`sev sev-${incident.severity}`}>${incident.severity}</span>, score
        ${incident.score.toFixed(2)}
      </dd>
      <dt>Detected</dt>
      <dd>${formatTime(incident.detectedAt)} (first event ${formatTime(incident.firstEventTime)})</dd>
      <dt>Action</dt>
      <dd>${actionText(incident.action)}${incident.action?.reason ? `: ${incident.action.reason}` : ''}</dd>
    </dl>
    <h2>Evidence</h2>
    ${summary && html`<p>${summary}</p>`}
    <table class="evidence">
      <tbody>
        ${evidenceRows(incident.evidence).map(
          ([k, v]) =>
            html`<tr>
              <th scope="row">${k}</th>
              <td>${v}</td>
            </tr>`,
        )}
      </tbody>
    </table>
    <h2>Detectors that fired</h2>
    <ul>
      ${(incident.detectors ?? []).map((d) => html`<li><code>${d}</code></li>`)}
    </ul>
    <h2>Traffic around the incident</h2>
    <${Timeline} incident=${incident} />
    <h2>Edges</h2>
    <${EdgeGraph} incident=${incident} />
    <h2>Alerts sent</h2>
    <${Alerts} id=${incident.id} />
    <h2>Policy</h2>
    <${Policy} incident=${incident} />
  </article>`;
}
