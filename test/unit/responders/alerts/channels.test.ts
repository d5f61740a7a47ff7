/**
 * Every HTTP channel against a local server: the payload each service expects, and the classification of
 * each answer (2xx ok; 400/404 permanent; 429 and 503 retryable with Retry-After; timeouts and refused
 * connections retryable). Secrets never appear in the error text.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Responder } from '../../../../pipelines/core/component.js';
import type { Delivery } from '../../../../pipelines/core/delivery.js';
import { createChannel } from '../../../../pipelines/responders/alerts/index.js';
import type { ChannelConfig } from '../../../../pipelines/responders/alerts/config.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../../helpers/webhook-receiver.js';
import { WHSEC, incident, settings } from './fixtures.js';

const ROUTING_KEY = 'R0UTINGKEY0123456789abcdef012345';
const SLACK_TOKEN = 'XXXXSLACKTOKENXXXX';
const NOW = Date.parse('2025-03-01T03:00:05.000Z');

let receiver: WebhookReceiver;
beforeEach(async () => {
  receiver = await startWebhookReceiver();
});
afterEach(async () => receiver.close());

function make(type: ChannelConfig['type'], baseUrl = receiver.url, timeout_ms = 1000): Responder {
  const routing = { min_severity: 'low' as const, timeout_ms };
  const cfgs: Record<ChannelConfig['type'], ChannelConfig> = {
    console: { type: 'console', ...routing },
    webhook: { type: 'webhook', url: `${baseUrl}/hook`, secret: WHSEC, ...routing },
    slack: { type: 'slack', url: `${baseUrl}/services/T000/B000/${SLACK_TOKEN}`, ...routing },
    pagerduty: { type: 'pagerduty', routing_key: ROUTING_KEY, url: `${baseUrl}/v2/enqueue`, ...routing },
    alertmanager: { type: 'alertmanager', url: baseUrl, expire_after_secs: 3600, ...routing },
  };
  return createChannel(cfgs[type], {
    ...settings(),
    name: type,
    adminUrl: 'http://mg.example:8080',
    wallNowMs: () => NOW,
  });
}

const send = (r: Responder, event: 'trigger' | 'resolve' = 'trigger'): Promise<Delivery> =>
  r.respond(incident(), event, new AbortController().signal);

interface SlackBlock {
  type: string;
  text?: { type: string; text: string };
  fields?: Array<{ type: string; text: string }>;
}
interface AmAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt?: string;
  endsAt?: string;
  generatorURL: string;
}

const HTTP_CHANNELS = ['webhook', 'slack', 'pagerduty', 'alertmanager'] as const;

describe.each(HTTP_CHANNELS)('%s channel: classification', (type) => {
  it('2xx is ok', async () => {
    receiver.respondWith({ status: type === 'pagerduty' ? 202 : 200, body: '{"status":"success"}' });
    expect(await send(make(type))).toEqual({ code: 'ok' });
  });

  it('400 and 404 are permanent, with the status in the error and no secret', async () => {
    // Servers that echo what they got must not leak it into our errors and logs.
    const own = { webhook: WHSEC, slack: SLACK_TOKEN, pagerduty: ROUTING_KEY, alertmanager: receiver.url }[
      type
    ];
    receiver.respondWith(
      { status: 400, body: `{"status":"invalid event","errors":["bad key ${own}"]}` },
      { status: 404, body: `no_service ${own}` },
    );
    const bad = await send(make(type));
    const missing = await send(make(type));
    expect(bad.code).toBe('permanent');
    expect(missing.code).toBe('permanent');
    const text = [bad, missing].map((d) => (d.code === 'ok' ? '' : d.error.message)).join(' ');
    expect(text).toMatch(/HTTP 400/);
    expect(text).toMatch(/HTTP 404/);
    expect(text).toContain('[redacted]');
    expect(text).not.toContain(own);
    expect(text).not.toContain(receiver.url);
  });

  it('429 with Retry-After seconds and 503 with an HTTP-date are retryable after that delay', async () => {
    receiver.respondWith(
      { status: 429, headers: { 'retry-after': '7' } },
      { status: 503, headers: { 'retry-after': new Date(NOW + 12_000).toUTCString() } },
      { status: 500 },
    );
    expect(await send(make(type))).toMatchObject({ code: 'retryable', retryAfterMs: 7000 });
    expect(await send(make(type))).toMatchObject({ code: 'retryable', retryAfterMs: 12_000 });
    const plain = await send(make(type));
    expect(plain.code).toBe('retryable');
    expect(plain).not.toHaveProperty('retryAfterMs');
  });

  it('a server that does not answer in timeout_ms is retryable', async () => {
    receiver.respondWith({ status: 200, delayMs: 2000 });
    const started = Date.now();
    const d = await send(make(type, receiver.url, 150));
    expect(Date.now() - started).toBeLessThan(1500);
    expect(d).toMatchObject({ code: 'retryable' });
    expect(d.code !== 'ok' && d.error.message).toMatch(/no answer within 150 ms/);
  });

  it('a refused connection is retryable', async () => {
    const closed = await startWebhookReceiver();
    const url = closed.url;
    await closed.close();
    const d = await send(make(type, url));
    expect(d.code).toBe('retryable');
    expect(d.code !== 'ok' && d.error.message).toMatch(/network error \(ECONNREFUSED\)/);
  });
});

describe('payloads', () => {
  it('slack: header, evidence, fields workload/kind/severity/score/action and the undo in a code block', async () => {
    await send(make('slack'));
    const [req] = await receiver.waitFor(1);
    expect(req!.path).toBe(`/services/T000/B000/${SLACK_TOKEN}`);
    const body = req!.json as { text: string; blocks: SlackBlock[] };
    expect(body.text).toContain('Data exfiltration from shop/frontend');
    expect(body.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: '[HIGH] Data exfiltration from shop/frontend', emoji: true },
    });
    const fields = body.blocks.find((b) => b.fields)!.fields!;
    const byLabel = Object.fromEntries(fields.map((f) => [f.text.split('\n')[0], f.text.split('\n')[1]]));
    expect(byLabel).toMatchObject({
      '*Workload*': 'shop/frontend',
      '*Kind*': 'Data exfiltration',
      '*Severity*': 'high',
    });
    expect(byLabel['*Score*']).toMatch(/^0\.99/);
    expect(byLabel['*Action*']).toMatch(/quarantined \(enforce\)/);
    const undo = body.blocks.find((b) => b.text?.text?.startsWith('*Undo*'));
    expect(undo!.text!.text).toBe(
      '*Undo*\n```kubectl -n shop delete authorizationpolicy meshguard-quarantine-shop-frontend```',
    );
  });

  it('slack: escapes mrkdwn control characters coming from traffic', async () => {
    await make('slack').respond(
      incident({ evidence: { path: '<http://evil.example|click me>' } }),
      'trigger',
      new AbortController().signal,
    );
    const [req] = await receiver.waitFor(1);
    expect(req!.body).not.toContain('<http://evil.example|click me>');
    expect(req!.body).toContain('&lt;http://evil.example|click me&gt;');
  });

  it('pagerduty: Events API v2 trigger with dedup_key = incident id, mapped severity and links; resolve by dedup_key', async () => {
    await send(make('pagerduty'));
    await send(make('pagerduty'), 'resolve');
    const [trigger, resolve] = await receiver.waitFor(2);
    expect(trigger!.path).toBe('/v2/enqueue');
    expect(trigger!.json).toMatchObject({
      routing_key: ROUTING_KEY,
      event_action: 'trigger',
      dedup_key: 'inc-exfil-shop-frontend-1',
      payload: {
        source: 'shop/frontend',
        severity: 'error',
        timestamp: '2025-03-01T03:00:00.000Z',
        component: 'frontend',
        group: 'shop',
        class: 'exfiltration',
        custom_details: {
          undo: 'kubectl -n shop delete authorizationpolicy meshguard-quarantine-shop-frontend',
        },
      },
      links: [
        {
          href: 'http://mg.example:8080/ui/incidents/inc-exfil-shop-frontend-1',
          text: 'Incident in the meshguard console',
        },
        {
          href: 'http://mg.example:8080/api/incidents/inc-exfil-shop-frontend-1',
          text: 'Incident in the meshguard admin API',
        },
      ],
    });
    const summary = (trigger!.json as { payload: { summary: string } }).payload.summary;
    expect(summary.length).toBeLessThanOrEqual(1024);
    expect(summary).toContain('shop/frontend');
    expect(resolve!.json).toEqual({
      routing_key: ROUTING_KEY,
      event_action: 'resolve',
      dedup_key: 'inc-exfil-shop-frontend-1',
    });
  });

  it('alertmanager: one v2 alert with identifying labels; firing until expiry, resolve ends it now', async () => {
    await send(make('alertmanager'));
    await send(make('alertmanager'), 'resolve');
    const [firing, resolved] = await receiver.waitFor(2);
    expect(firing!.path).toBe('/api/v2/alerts');
    const [alert] = firing!.json as AmAlert[];
    expect(alert!.labels).toEqual({
      alertname: 'MeshguardIncident',
      kind: 'exfiltration',
      severity: 'high',
      namespace: 'shop',
      service_account: 'frontend',
      incident_id: 'inc-exfil-shop-frontend-1',
    });
    expect(alert!.annotations.summary).toContain('Data exfiltration');
    expect(alert!.annotations.undo).toContain('kubectl -n shop delete');
    expect(alert!.startsAt).toBe('2025-03-01T03:00:00.000Z');
    expect(alert!.endsAt).toBe(new Date(NOW + 3600_000).toISOString());
    expect(alert!.generatorURL).toBe('http://mg.example:8080/ui/incidents/inc-exfil-shop-frontend-1');
    const [end] = resolved!.json as AmAlert[];
    expect(end!.labels).toEqual(alert!.labels);
    expect(end!.endsAt).toBe(new Date(NOW).toISOString());
  });

  it('console: prints the human block', async () => {
    const out: string[] = [];
    const c = createChannel(
      { type: 'console', min_severity: 'low', timeout_ms: 1000 },
      {
        ...settings(),
        name: 'console',
        adminUrl: 'http://mg',
        wallNowMs: () => NOW,
        write: (t) => void out.push(t),
      },
    );
    expect(await send(c)).toEqual({ code: 'ok' });
    expect(out.join('')).toMatch(/\[HIGH\] Data exfiltration from shop\/frontend\n {2}who: .*\n/);
    expect(out.join('')).toContain('undo:   kubectl -n shop delete authorizationpolicy');
  });
});
