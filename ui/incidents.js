// The incident list: live (re-read every few seconds), newest first, filtered by kind, namespace,
// severity and time. The filters live in the URL, so a filtered list can be shared.
import { h } from 'preact';
import htm from 'htm';
import { usePoll } from './api.js';
import {
  KINDS,
  SEVERITIES,
  actionText,
  formatTime,
  incidentPath,
  namespaceOf,
  offenderDetail,
  offenderName,
} from './format.js';
import { navigate } from './router.js';

const html = htm.bind(h);
const POLL_MS = 3000;
const SINCE = {
  '': 'any time',
  '15m': 'last 15 minutes',
  '1h': 'last hour',
  '6h': 'last 6 hours',
  '24h': 'last 24 hours',
};
const SINCE_MS = { '15m': 15 * 60_000, '1h': 3_600_000, '6h': 6 * 3_600_000, '24h': 24 * 3_600_000 };

function Select({ id, label, value, options, onChange }) {
  return html`<div class="field">
    <label for=${id}>${label}</label>
    <select id=${id} value=${value} onChange=${(e) => onChange(e.currentTarget.value)}>
      ${options.map(([v, text]) => html`<option value=${v}>${text}</option>`)}
    </select>
  </div>`;
}

export function matches(incident, f, nowMs) {
  if (f.kind && incident.kind !== f.kind) return false;
  if (f.severity && incident.severity !== f.severity) return false;
  if (f.namespace && namespaceOf(incident.workload) !== f.namespace) return false;
  if (f.since && SINCE_MS[f.since] && nowMs - Date.parse(incident.detectedAt) > SINCE_MS[f.since])
    return false;
  return true;
}

function Row({ incident }) {
  const href = incidentPath(incident.id);
  return html`<tr data-incident-id=${incident.id}>
    <td data-label="Time"><time datetime=${incident.detectedAt}>${formatTime(incident.detectedAt)}</time></td>
    <td data-label="Kind"><span class="kind">${incident.kind}</span></td>
    <td data-label="Offender">
      <div>
        <span class="offender">${offenderName(incident.workload)}</span>
        <span class="principal">${offenderDetail(incident.workload)}</span>
      </div>
    </td>
    <td data-label="Severity"><span class=${`sev sev-${incident.severity}`}>${incident.severity}</span></td>
    <td data-label="Score">${typeof incident.score === 'number' ? incident.score.toFixed(2) : '-'}</td>
    <td data-label="Action">${actionText(incident.action)}</td>
    <td data-label="Incident"><a href=${href}>${incident.id}</a></td>
  </tr>`;
}

export function IncidentsView({ search }) {
  const params = new URLSearchParams(search);
  const filters = {
    kind: params.get('kind') ?? '',
    namespace: params.get('namespace') ?? '',
    severity: params.get('severity') ?? '',
    since: params.get('since') ?? '',
  };
  const setFilter = (key, value) => {
    const next = new URLSearchParams(search);
    if (value) next.set(key, value);
    else next.delete(key);
    const q = next.toString();
    navigate(`/ui/${q ? `?${q}` : ''}`);
  };
  const { data, error, loading } = usePoll('/api/incidents?limit=1000', POLL_MS);
  const all = data?.incidents ?? [];
  const namespaces = [...new Set(all.map((i) => namespaceOf(i.workload)).filter(Boolean))].sort();
  const now = Date.now();
  const shown = all.filter((i) => matches(i, filters, now));
  return html`<section aria-labelledby="incidents-title">
    <h1 id="incidents-title">Incidents</h1>
    <form class="filters" aria-label="Filter incidents" onSubmit=${(e) => e.preventDefault()}>
      <${Select}
        id="filter-kind"
        label="Kind"
        value=${filters.kind}
        options=${[['', 'all kinds'], ...Object.entries(KINDS)]}
        onChange=${(v) => setFilter('kind', v)}
      />
      <${Select}
        id="filter-namespace"
        label="Namespace"
        value=${filters.namespace}
        options=${[['', 'all namespaces'], ...namespaces.map((n) => [n, n])]}
        onChange=${(v) => setFilter('namespace', v)}
      />
      <${Select}
        id="filter-severity"
        label="Severity"
        value=${filters.severity}
        options=${[['', 'all severities'], ...SEVERITIES.map((s) => [s, s])]}
        onChange=${(v) => setFilter('severity', v)}
      />
      <${Select}
        id="filter-since"
        label="Time"
        value=${filters.since}
        options=${Object.entries(SINCE)}
        onChange=${(v) => setFilter('since', v)}
      />
    </form>
    ${error && html`<p class="error" role="alert">${error.message}</p>`}
    <p class="status" aria-live="polite">
      ${
        loading
          ? 'Loading incidents…'
          : `${shown.length} of ${data?.total ?? all.length} incidents shown, newest first; updated live.`
      }
    </p>
    ${
      shown.length > 0 &&
      html`<table class="incidents">
        <caption class="visually-hidden">
          Incidents, newest first
        </caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Kind</th>
            <th scope="col">Offender</th>
            <th scope="col">Severity</th>
            <th scope="col">Score</th>
            <th scope="col">Action</th>
            <th scope="col">Incident</th>
          </tr>
        </thead>
        <tbody>
          ${shown.map((i) => html`<${Row} key=${i.id} incident=${i} />`)}
        </tbody>
      </table>`
    }
  </section>`;
}
