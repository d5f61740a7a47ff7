// Health: the same figures as /metrics (read from it): sources and their lag, rejected records by
// reason, the model state per workload, alerts and dependencies.
import { h } from 'preact';
import htm from 'htm';
import { usePoll } from './api.js';
import { formatNumber } from './format.js';

const html = htm.bind(h);

/** Prometheus text exposition → [{name, labels, value}] (comments and histograms' buckets kept as they are). */
export function parseMetrics(text) {
  const samples = [];
  for (const line of String(text).split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g))
      labels[l[1]] = l[2].replace(/\\(.)/g, '$1');
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return samples;
}

function Table({ caption, columns, rows, empty }) {
  return html`<section>
    <h2>${caption}</h2>
    ${
      rows.length === 0
        ? html`<p class="status">${empty}</p>`
        : html`<table>
            <thead>
              <tr>
                ${columns.map((c) => html`<th scope="col">${c}</th>`)}
              </tr>
            </thead>
            <tbody>
              ${rows.map(
                (r) =>
                  html`<tr>
                    ${r.map((v) => html`<td>${v}</td>`)}
                  </tr>`,
              )}
            </tbody>
          </table>`
    }
  </section>`;
}

const pick = (samples, name) => samples.filter((s) => s.name === name);

export function HealthView() {
  const { data, error } = usePoll('/metrics', 5000);
  const models = usePoll('/api/entities/models', 5000);
  const samples = typeof data === 'string' ? parseMetrics(data) : [];
  const ingested = pick(samples, 'meshguard_events_ingested_total');
  const lag = [
    ...pick(samples, 'meshguard_consumer_lag_messages'),
    ...pick(samples, 'meshguard_pipeline_lag_seconds'),
  ];
  const rejected = pick(samples, 'meshguard_events_rejected_total').filter((s) => s.value > 0);
  const deps = pick(samples, 'meshguard_dependency_up');
  const alerts = [
    ...pick(samples, 'meshguard_alerts_sent_total'),
    ...pick(samples, 'meshguard_alerts_failed_total'),
  ];
  const states = models.data?.workloads ?? [];
  return html`<section aria-labelledby="health-title">
    <h1 id="health-title">Health</h1>
    ${error && html`<p class="error" role="alert">${error.message}</p>`}
    <p class="status">The same figures as <a href="/metrics">/metrics</a>, read every 5 seconds.</p>
    <${Table}
      caption="Sources"
      columns=${['source', 'format', 'records ingested']}
      rows=${ingested.map((s) => [s.labels.source ?? '', s.labels.format ?? '', formatNumber(s.value)])}
      empty="No record ingested yet."
    />
    <${Table}
      caption="Lag"
      columns=${['metric', 'labels', 'value']}
      rows=${lag.map((s) => [
        s.name.replace('meshguard_', ''),
        Object.entries(s.labels)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ') || '-',
        formatNumber(s.value),
      ])}
      empty="No lag reported (the embedded bus has none)."
    />
    <${Table}
      caption="Rejected records by reason"
      columns=${['source', 'format', 'reason', 'records']}
      rows=${rejected.map((s) => [s.labels.source ?? '', s.labels.format ?? '', s.labels.reason ?? '', formatNumber(s.value)])}
      empty="No record rejected."
    />
    <${Table}
      caption="Dependencies"
      columns=${['dependency', 'up']}
      rows=${deps.map((s) => [s.labels.dependency ?? '', s.value === 1 ? 'up' : 'DOWN'])}
      empty="No dependency reported yet."
    />
    <${Table}
      caption="Alerts"
      columns=${['channel', 'sent', 'failed']}
      rows=${[...new Set(alerts.map((s) => s.labels.channel))].map((ch) => [
        ch,
        formatNumber(
          alerts.find((s) => s.labels.channel === ch && s.name.endsWith('sent_total'))?.value ?? 0,
        ),
        formatNumber(
          alerts.find((s) => s.labels.channel === ch && s.name.endsWith('failed_total'))?.value ?? 0,
        ),
      ])}
      empty="No alert sent yet."
    />
    <section>
      <h2>Model state per workload</h2>
      ${models.error && html`<p class="error" role="alert">${models.error.message}</p>`}
      ${
        models.data &&
        html`<p>
            ${models.data.learning} learning, ${models.data.scoring} scoring (meshguard_entities_tracked:
            ${formatNumber(pick(samples, 'meshguard_entities_tracked')[0]?.value ?? 0)}).
          </p>
          <table>
            <thead>
              <tr>
                <th scope="col">workload</th>
                <th scope="col">state</th>
                <th scope="col">windows seen</th>
              </tr>
            </thead>
            <tbody>
              ${states.map(
                (w) =>
                  html`<tr>
                    <td>${w.workload}</td>
                    <td>${w.state}</td>
                    <td>${w.windows}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
      }
    </section>
  </section>`;
}
