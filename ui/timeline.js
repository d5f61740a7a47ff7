// The offender's rate, errors and bytes per window against its learned baseline band (mean ± 2σ as it
// stood before each window was learned), drawn with uPlot, with the same figures as a table for
// screen readers.
import { h } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import htm from 'htm';
import uPlot from 'uplot';
import { formatNumber, formatTime } from './format.js';
import { useHistory } from './history.js';

const html = htm.bind(h);

const METRICS = [
  ['requests', 'Requests per window'],
  ['errors', 'Errors per window (4xx, 5xx, denied)'],
  ['bytes', 'Bytes per window (sent + received)'],
];

function css(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
}

function Chart({ points, metric, title, incidentMs }) {
  const box = useRef(null);
  useEffect(() => {
    if (!box.current || points.length === 0) return undefined;
    const xs = points.map((p) => p.endMs / 1000);
    const observed = points.map((p) => p[metric]);
    const mean = points.map((p) => p.baseline[metric]?.mean ?? null);
    const hi = points.map((p) =>
      p.baseline[metric] ? p.baseline[metric].mean + 2 * p.baseline[metric].std : null,
    );
    const lo = points.map((p) =>
      p.baseline[metric] ? Math.max(0, p.baseline[metric].mean - 2 * p.baseline[metric].std) : null,
    );
    const fg = css('--fg');
    const accent = css('--accent');
    const alarm = css('--critical');
    const width = () => Math.max(260, box.current.clientWidth);
    const plot = new uPlot(
      {
        title,
        width: width(),
        height: 180,
        scales: { x: { time: true } },
        axes: [
          { stroke: fg },
          { stroke: fg, values: (_u, ticks) => ticks.map((t) => formatNumber(t, metric)) },
        ],
        series: [
          {},
          { label: 'observed', stroke: accent, width: 2 },
          { label: 'baseline', stroke: fg, dash: [4, 4] },
          { label: 'band high', stroke: 'transparent' },
          { label: 'band low', stroke: 'transparent' },
        ],
        bands: [{ series: [3, 4], fill: 'rgba(128,128,128,0.25)' }],
        hooks: {
          draw: [
            (u) => {
              const x = u.valToPos(incidentMs / 1000, 'x', true);
              if (!Number.isFinite(x)) return;
              const ctx = u.ctx;
              ctx.save();
              ctx.strokeStyle = alarm;
              ctx.lineWidth = 2;
              ctx.beginPath();
              ctx.moveTo(x, u.bbox.top);
              ctx.lineTo(x, u.bbox.top + u.bbox.height);
              ctx.stroke();
              ctx.restore();
            },
          ],
        },
      },
      [xs, observed, mean, hi, lo],
      box.current,
    );
    const resize = () => plot.setSize({ width: width(), height: 180 });
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      plot.destroy();
    };
  }, [points, metric, title, incidentMs]);
  return html`<div
    class="chart"
    ref=${box}
    role="img"
    aria-label=${`${title}: observed against the learned baseline band; the red line marks the detection`}
  ></div>`;
}

export function Timeline({ incident }) {
  const { data, error, loading } = useHistory(incident);
  if (error) return html`<p class="error" role="alert">${error.message}</p>`;
  if (loading) return html`<p class="status">Loading the offender's traffic…</p>`;
  const points = data?.points ?? [];
  if (points.length === 0)
    return html`<p class="status">
      No traffic history kept for this offender in this process (it may have gone idle, or the incident came
      from another replica).
    </p>`;
  const incidentMs = Date.parse(incident.detectedAt);
  const last = points.reduce((best, p) =>
    Math.abs(p.endMs - incidentMs) < Math.abs(best.endMs - incidentMs) ? p : best,
  );
  return html`<div>
    <p>
      In the window ending ${formatTime(new Date(last.endMs).toISOString())}:
      ${METRICS.map(([m]) => `${m} ${formatNumber(last[m], m)} (baseline ${formatNumber(last.baseline[m]?.mean ?? 0, m)} ± ${formatNumber(2 * (last.baseline[m]?.std ?? 0), m)})`).join('; ')}${last.learning ? ' — still learning its baseline' : ''}.
    </p>
    ${METRICS.map(([m, title]) => html`<${Chart} key=${m} points=${points} metric=${m} title=${title} incidentMs=${incidentMs} />`)}
    <details>
      <summary>The same figures as a table</summary>
      <table>
        <thead>
          <tr>
            <th scope="col">Window end</th>
            ${METRICS.map(([m]) => html`<th scope="col">${m} (baseline)</th>`)}
          </tr>
        </thead>
        <tbody>
          ${points.map(
            (p) =>
              html`<tr>
                <td>${formatTime(new Date(p.endMs).toISOString())}</td>
                ${METRICS.map(([m]) => html`<td>${formatNumber(p[m], m)} (${formatNumber(p.baseline[m]?.mean ?? 0, m)})</td>`)}
              </tr>`,
          )}
        </tbody>
      </table>
    </details>
  </div>`;
}
