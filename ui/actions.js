// The quarantine actions (Approve, Release, Extend): each asks for a reason, which the admin API keeps
// in the audit trail, then shows what meshguard answered (a refusal in words, never silently).
import { h } from 'preact';
import { useRef, useState } from 'preact/hooks';
import htm from 'htm';
import { api } from './api.js';

const html = htm.bind(h);

const VERBS = {
  approve: { label: 'Approve', done: 'approved and applied' },
  release: { label: 'Release', done: 'released' },
  extend: { label: 'Extend', done: 'extended' },
};

async function perform(verb, id, reason) {
  const path = `/api/quarantines/${encodeURIComponent(id)}/${verb}`;
  return api(path, { method: 'POST', body: { by: 'incident console', reason } });
}

/** One button that opens a small form asking for the reason, then calls the admin API. */
export function QuarantineAction({ verb, quarantine, onDone }) {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState(undefined);
  const input = useRef(null);
  const { label, done } = VERBS[verb];
  const fieldId = `reason-${verb}-${quarantine.id}`;
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    try {
      await perform(verb, quarantine.id, reason.trim());
      const text = `Quarantine ${quarantine.id} ${done}.`;
      setResult({ ok: true, text });
      setOpen(false);
      setReason('');
      // The card may move to another group (and be drawn anew): the view shows the outcome too.
      onDone?.(text);
    } catch (error) {
      setResult({ ok: false, text: error.message });
    } finally {
      setBusy(false);
    }
  };
  return html`<div class="action">
    ${
      !open &&
      html`<button
        type="button"
        class=${`btn btn-${verb}`}
        onClick=${() => {
          setOpen(true);
          setResult(undefined);
          setTimeout(() => input.current?.focus(), 0);
        }}
      >
        ${label}
      </button>`
    }
    ${
      open &&
      html`<form class="reason-form" onSubmit=${submit} aria-label=${`${label} quarantine ${quarantine.id}`}>
        <label for=${fieldId}>Reason for “${label}” (kept in the audit trail)</label>
        <input
          id=${fieldId}
          ref=${input}
          required
          minlength="3"
          maxlength="1000"
          value=${reason}
          onInput=${(e) => setReason(e.currentTarget.value)}
          onKeyDown=${(e) => e.key === 'Escape' && setOpen(false)}
        />
        <div class="buttons">
          <button type="submit" class=${`btn btn-${verb}`} disabled=${busy}>Confirm ${label}</button>
          <button type="button" class="btn" onClick=${() => setOpen(false)}>Cancel</button>
        </div>
      </form>`
    }
    ${
      result &&
      html`<p class=${result.ok ? 'ok' : 'error'} role=${result.ok ? 'status' : 'alert'}>${result.text}</p>`
    }
  </div>`;
}

/** The actions a quarantine in this state allows. */
export function actionsFor(quarantine) {
  if (quarantine.state === 'pending-approval') return ['approve', 'release'];
  if (quarantine.state === 'active') return ['extend', 'release'];
  return [];
}
