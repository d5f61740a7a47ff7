// The quarantine ledger: pending approval, active, released, expired and failed, with the actions each
// allows, and how much of the blast-radius budget is left.
import { h } from 'preact';
import { useState } from 'preact/hooks';
import htm from 'htm';
import { usePoll } from './api.js';
import { QuarantineAction, actionsFor } from './actions.js';
import { containmentText, formatTime, incidentPath, offenderDetail, offenderName } from './format.js';

const html = htm.bind(h);
const POLL_MS = 3000;

/** The ledger's state, with expired (released by its TTL) told apart from released by a person. */
export function ledgerState(q) {
  if (q.state === 'released' && q.releasedBy === 'ttl') return 'expired';
  return q.state;
}

const GROUPS = [
  ['pending-approval', 'Pending approval'],
  ['active', 'Active'],
  ['released', 'Released'],
  ['expired', 'Expired'],
  ['failed', 'Failed'],
];

export function QuarantineCard({ quarantine: q, onDone, headingLevel = 3 }) {
  const Heading = `h${headingLevel}`;
  const incidentId = q.incident && typeof q.incident === 'object' ? q.incident.id : undefined;
  return html`<article class="card quarantine" data-quarantine-id=${q.id} aria-labelledby=${`q-${q.id}`}>
    <${Heading} id=${`q-${q.id}`}>
      <span class="offender">${offenderName(q.offender)}</span>
      <span class=${`state state-${ledgerState(q)}`}>${ledgerState(q)}</span>
    </${Heading}>
    <dl class="facts">
      <dt>Quarantine</dt><dd><code>${q.id}</code></dd>
      <dt>Principal</dt><dd>${offenderDetail(q.offender) || '-'}</dd>
      <dt>Mode</dt><dd>${q.mode}</dd>
      <dt>Response</dt><dd>${containmentText(q)}</dd>
      <dt>Scope</dt><dd>${q.scope}</dd>
      <dt>Created</dt><dd>${formatTime(q.createdAt)} by ${q.createdBy}</dd>
      <dt>Expires</dt><dd>${formatTime(q.expiresAt)}</dd>
      ${
        q.approvedBy &&
        html`<dt>Approved</dt>
          <dd>${formatTime(q.approvedAt)} by ${q.approvedBy}</dd>`
      }
      ${
        q.releasedBy &&
        html`<dt>Released</dt>
          <dd>${formatTime(q.releasedAt)} by ${q.releasedBy}: ${q.releaseReason ?? ''}</dd>`
      }
      ${
        q.error &&
        html`<dt>Error</dt>
          <dd class="error">${q.error}</dd>`
      }
      <dt>Why</dt><dd>${q.reason}</dd>
      ${
        q.notEnforced?.length > 0 &&
        html`<dt>Not enforced</dt>
          <dd>${q.notEnforced.join('; ')}</dd>`
      }
      ${
        incidentId &&
        html`<dt>Incident</dt>
          <dd><a href=${incidentPath(incidentId)}>${incidentId}</a></dd>`
      }
    </dl>
    <div class="actions">
      ${actionsFor(q).map(
        (verb) => html`<${QuarantineAction} key=${verb} verb=${verb} quarantine=${q} onDone=${onDone} />`,
      )}
    </div>
  </article>`;
}

function Budget() {
  const { data, error } = usePoll('/api/quarantines/budget', POLL_MS);
  if (error) return html`<p class="error" role="alert">Blast-radius budget: ${error.message}</p>`;
  if (!data) return null;
  return html`<p class="budget" data-testid="budget">
    Blast-radius budget: <strong>${data.remaining} of ${data.max}</strong> automatic quarantines left in the
    current ${Math.round(data.windowSecs / 60)}-minute window.
  </p>`;
}

export function QuarantinesView() {
  const { data, error, loading, reload } = usePoll('/api/quarantines', POLL_MS);
  const [outcome, setOutcome] = useState('');
  const done = (text) => {
    setOutcome(text);
    void reload();
  };
  const all = data?.quarantines ?? [];
  return html`<section aria-labelledby="quarantines-title">
    <h1 id="quarantines-title">Quarantines</h1>
    <${Budget} />
    ${error && html`<p class="error" role="alert">${error.message}</p>`}
    <p class="ok" role="status" data-testid="outcome">${outcome}</p>
    ${loading && html`<p class="status">Loading the ledger…</p>`}
    ${!loading && all.length === 0 && html`<p class="status">No quarantine yet.</p>`}
    ${GROUPS.map(([state, title]) => {
      const inGroup = all.filter((q) => ledgerState(q) === state);
      if (inGroup.length === 0) return null;
      return html`<section class="group" aria-labelledby=${`group-${state}`}>
        <h2 id=${`group-${state}`}>${title} (${inGroup.length})</h2>
        ${inGroup.map((q) => html`<${QuarantineCard} key=${q.revision} quarantine=${q} onDone=${done} />`)}
      </section>`;
    })}
  </section>`;
}
