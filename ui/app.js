// The console's frame: navigation, the admin token, and the view for the current URL.
import { h, render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import htm from 'htm';
import { getToken, setToken } from './api.js';
import { HealthView } from './health.js';
import { IncidentView } from './incident.js';
import { IncidentsView } from './incidents.js';
import { QuarantinesView } from './quarantines.js';
import { interceptLinks, useLocation } from './router.js';

const html = htm.bind(h);

function TokenForm() {
  const [saved, setSaved] = useState(getToken());
  const [draft, setDraft] = useState('');
  useEffect(() => {
    const update = () => setSaved(getToken());
    window.addEventListener('meshguard-token', update);
    return () => window.removeEventListener('meshguard-token', update);
  }, []);
  if (saved)
    return html`<div class="token">
      <span>Admin token set (this tab only)</span>
      <button type="button" onClick=${() => setToken('')}>Forget token</button>
    </div>`;
  return html`<form
    class="token"
    onSubmit=${(e) => {
      e.preventDefault();
      setToken(draft.trim());
      setDraft('');
    }}
  >
    <label for="admin-token">Admin token</label>
    <input
      id="admin-token"
      type="password"
      autocomplete="off"
      value=${draft}
      onInput=${(e) => setDraft(e.currentTarget.value)}
      placeholder="needed for actions"
    />
    <button type="submit">Use token</button>
  </form>`;
}

const NAV = [
  ['/ui/', 'Incidents'],
  ['/ui/quarantines', 'Quarantines'],
  ['/ui/health', 'Health'],
];

function View({ path, search }) {
  const detail = /^\/ui\/incidents\/(.+)$/.exec(path);
  if (detail) return html`<${IncidentView} id=${decodeURIComponent(detail[1])} />`;
  if (path === '/ui/quarantines') return html`<${QuarantinesView} />`;
  if (path === '/ui/health') return html`<${HealthView} />`;
  if (path === '/ui/' || path === '/ui' || path === '/ui/incidents')
    return html`<${IncidentsView} search=${search} />`;
  return html`<section>
    <h1>Not found</h1>
    <p>No console page at ${path}. <a href="/ui/">All incidents</a></p>
  </section>`;
}

function App() {
  const { path, search } = useLocation();
  const current =
    NAV.find(([href]) => href === path)?.[0] ?? (path.startsWith('/ui/incidents') ? '/ui/' : '');
  return html`<div onClick=${interceptLinks}>
    <a class="skip" href="#main">Skip to content</a>
    <header>
      <a class="brand" href="/ui/">meshguard</a>
      <nav aria-label="Console">
        ${NAV.map(
          ([href, label]) =>
            html`<a href=${href} aria-current=${current === href ? 'page' : undefined}>${label}</a>`,
        )}
      </nav>
      <${TokenForm} />
    </header>
    <main id="main" tabindex="-1"><${View} path=${path} search=${search} /></main>
  </div>`;
}

const root = document.getElementById('app');
root.textContent = ''; // the "Loading…" line of the shell
render(html`<${App} />`, root);
