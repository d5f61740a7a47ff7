// The offender's edges around the incident: the destinations it called, usual ones (learned in its
// baseline) and new ones highlighted, as a small radial graph and as a list.
import { h } from 'preact';
import htm from 'htm';
import { useHistory } from './history.js';

const html = htm.bind(h);
const MAX_SHOWN = 24;

/** Destinations called in the kept windows, with their requests and whether any call was new. */
export function edgesOf(points) {
  const byDst = new Map();
  for (const p of points)
    for (const e of p.edges ?? []) {
      const seen = byDst.get(e.dst) ?? { dst: e.dst, requests: 0, isNew: false };
      seen.requests += e.requests;
      seen.isNew = seen.isNew || e.isNew;
      byDst.set(e.dst, seen);
    }
  return [...byDst.values()].sort((a, b) => Number(b.isNew) - Number(a.isNew) || b.requests - a.requests);
}

export function EdgeGraph({ incident }) {
  const { data, error, loading } = useHistory(incident);
  if (error) return html`<p class="error" role="alert">${error.message}</p>`;
  if (loading) return html`<p class="status">Loading edges…</p>`;
  const edges = edgesOf(data?.points ?? []).slice(0, MAX_SHOWN);
  if (edges.length === 0) return html`<p class="status">No edges kept for this offender.</p>`;
  const size = 360;
  const c = size / 2;
  const r = size / 2 - 60;
  const placed = edges.map((e, i) => {
    const a = (2 * Math.PI * i) / edges.length - Math.PI / 2;
    return { ...e, x: c + r * Math.cos(a), y: c + r * Math.sin(a) };
  });
  const newCount = edges.filter((e) => e.isNew).length;
  return html`<div class="grid2">
    <svg
      class="edge-graph"
      viewBox=${`0 0 ${size} ${size}`}
      role="img"
      aria-label=${`${edges.length} destinations, ${newCount} new`}
    >
      ${placed.map((e) => html`<line class=${e.isNew ? 'new' : 'usual'} x1=${c} y1=${c} x2=${e.x} y2=${e.y} />`)}
      <circle cx=${c} cy=${c} r="8" fill="currentColor" />
      ${placed.map(
        (e) =>
          html`<text
            x=${e.x}
            y=${e.y}
            text-anchor=${e.x < c - 5 ? 'end' : e.x > c + 5 ? 'start' : 'middle'}
            dy="4"
            >${e.dst.length > 28 ? `${e.dst.slice(0, 27)}…` : e.dst}</text
          >`,
      )}
    </svg>
    <ul class="edges">
      ${edges.map((e) => html`<li class=${e.isNew ? 'new' : ''}>${e.isNew ? 'NEW ' : ''}${e.dst} — ${e.requests} requests</li>`)}
    </ul>
  </div>`;
}
