import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Incident } from '../../../../pipelines/core/incident.js';
import {
  DEDUP_PREFIX,
  createAlertDispatcher,
  type AlertDispatcherHandle,
} from '../../../../pipelines/responders/alerts/index.js';
import { MemoryStateStore } from '../../../../pipelines/core/state-store.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../../helpers/webhook-receiver.js';
import { WHSEC, alertsConfig, counter, incident, settings } from './fixtures.js';

const ROUTING_KEY = 'R0UTINGKEY0123456789abcdef012345';

let receiver: WebhookReceiver;
const dispatchers: AlertDispatcherHandle[] = [];
beforeEach(async () => {
  receiver = await startWebhookReceiver();
});
afterEach(async () => {
  await Promise.all(dispatchers.splice(0).map((d) => d.shutdown()));
  await receiver.close();
});

function build(raw: Record<string, unknown>, s = settings(), delays: number[] = []): AlertDispatcherHandle {
  const d = createAlertDispatcher(
    alertsConfig({ retry: { max_attempts: 3, initial_backoff_ms: 100, max_backoff_ms: 1000 }, ...raw }),
    s,
    {
      sleep: async (ms) => void delays.push(ms),
      random: () => 1,
      write: () => {},
    },
  );
  dispatchers.push(d);
  return d;
}

const webhook = (extra: Record<string, unknown> = {}) => ({
  type: 'webhook',
  url: `${receiver.url}/hook`,
  secret: WHSEC,
  ...extra,
});

describe('routing', () => {
  it('sends to a channel only at or above its min_severity and within its kinds', async () => {
    const d = build({
      channels: [
        webhook({ name: 'all' }),
        webhook({ name: 'paging', url: `${receiver.url}/page`, min_severity: 'critical' }),
        webhook({ name: 'exfil', url: `${receiver.url}/exfil`, kinds: ['exfiltration'] }),
      ],
    });
    await d.notify(incident({ id: 'a', severity: 'high', kind: 'scanning' }), 'trigger');
    await d.notify(incident({ id: 'b', severity: 'critical', kind: 'exfiltration' }), 'trigger');
    await d.drain();
    const seen = receiver.requests.map((r) => `${r.path}:${(r.json as Incident).id}`).sort();
    expect(seen).toEqual(['/exfil:b', '/hook:a', '/hook:b', '/page:b']);
  });
});

describe('dedup', () => {
  it('sends the same incident+event once per channel even when notified twice', async () => {
    const s = settings();
    const d = build({ channels: [webhook()] }, s);
    await d.notify(incident(), 'trigger');
    await d.notify(incident(), 'trigger');
    await d.drain();
    expect(receiver.requests).toHaveLength(1);
    await d.notify(incident(), 'resolve');
    await d.notify(incident(), 'resolve');
    await d.drain();
    expect(receiver.requests.map((r) => (r.json as { event: string }).event)).toEqual(['trigger', 'resolve']);
    expect(await counter(s.metrics, 'alertsSent', 'webhook')).toBe(2);
  });

  it('shares the mark through the state store, so two replicas send once between them', async () => {
    const state = new MemoryStateStore();
    const a = build({ channels: [webhook()] }, settings(state));
    const b = build({ channels: [webhook()] }, settings(state));
    await Promise.all([a.notify(incident(), 'trigger'), b.notify(incident(), 'trigger')]);
    await Promise.all([a.drain(), b.drain()]);
    expect(receiver.requests).toHaveLength(1);
    expect(await state.keys(DEDUP_PREFIX)).toEqual([
      `${DEDUP_PREFIX}webhook:inc-exfil-shop-frontend-1:trigger`,
    ]);
  });

  it('still sends when the state store is down (a duplicate beats a lost alert)', async () => {
    const broken = new MemoryStateStore();
    broken.setIfAbsent = async () => {
      throw new Error('ECONNREFUSED');
    };
    const d = build({ channels: [webhook()] }, settings(broken));
    await d.notify(incident(), 'trigger');
    await d.drain();
    expect(receiver.requests).toHaveLength(1);
  });
});

describe('retries through the delivery helper', () => {
  it('retries 429 after Retry-After and 503 after backoff, then delivers once', async () => {
    const delays: number[] = [];
    const s = settings();
    const d = build({ channels: [webhook()] }, s, delays);
    receiver.respondWith({ status: 429, headers: { 'retry-after': '3' } }, { status: 503 });
    await d.notify(incident(), 'trigger');
    await d.drain();
    expect(receiver.requests).toHaveLength(3);
    expect(delays).toEqual([3000, 200]);
    // Every attempt carries the same webhook-id, so the receiver can drop duplicates.
    expect(new Set(receiver.requests.map((r) => r.headers['webhook-id'])).size).toBe(1);
    expect(await counter(s.metrics, 'alertsSent', 'webhook')).toBe(1);
    expect(await counter(s.metrics, 'alertsFailed', 'webhook')).toBe(0);
  });

  it('does not retry a 400; dead-letters after max attempts; a later notify may try again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mg-alerts-'));
    const file = join(dir, 'dead-alerts.jsonl');
    const s = settings();
    const d = build(
      {
        dead_letter_file: file,
        channels: [{ type: 'pagerduty', routing_key: ROUTING_KEY, url: `${receiver.url}/v2/enqueue` }],
      },
      s,
    );
    receiver.respondWith({ status: 400, body: `{"status":"invalid event","message":"key ${ROUTING_KEY}"}` });
    await d.notify(incident({ id: 'bad' }), 'trigger');
    await d.drain();
    expect(receiver.requests).toHaveLength(1);

    receiver.respondWith({ status: 503 }, { status: 503 }, { status: 503 });
    await d.notify(incident({ id: 'down' }), 'trigger');
    await d.drain();
    expect(receiver.requests).toHaveLength(4);

    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as {
            channel: string;
            reason: string;
            attempts: number;
            record: { incident_id: string; incident: Incident };
          },
      );
    expect(lines.map((l) => [l.channel, l.record.incident_id, l.attempts])).toEqual([
      ['pagerduty', 'bad', 1],
      ['pagerduty', 'down', 3],
    ]);
    expect(lines[0]!.reason).toMatch(/permanent failure: pagerduty: HTTP 400/);
    expect(lines[1]!.reason).toMatch(/gave up after 3 attempts: pagerduty: HTTP 503/);
    expect(lines[1]!.record.incident.kind).toBe('exfiltration');
    expect(await counter(s.metrics, 'alertsFailed', 'pagerduty')).toBe(2);

    // The routing key is a secret: not in the dead-letter file, not in any log line.
    expect(readFileSync(file, 'utf8')).not.toContain(ROUTING_KEY);
    expect(s.logLines.join('')).not.toContain(ROUTING_KEY);
    expect(s.logLines.some((l) => l.includes('Delivery failed for good'))).toBe(true);

    // The dedup mark of a failed alert is cleared: the next notify gets another chance.
    await d.notify(incident({ id: 'down' }), 'trigger');
    await d.drain();
    expect(receiver.requests).toHaveLength(5);
    expect(await counter(s.metrics, 'alertsSent', 'pagerduty')).toBe(1);
  });

  it('keeps a down channel from holding up the others', async () => {
    // A hung endpoint: answers after 5 s, with a 10 s timeout.
    const slow = await startWebhookReceiver({ status: 200, delayMs: 5000 });
    try {
      const d = build({
        channels: [
          webhook({ name: 'down', url: `${slow.url}/x`, timeout_ms: 10_000 }),
          webhook({ name: 'up' }),
        ],
      });
      await d.notify(incident(), 'trigger');
      await slow.waitFor(1, { timeoutMs: 1000 });
      await receiver.waitFor(1, { timeoutMs: 1000 });
    } finally {
      await slow.close();
    }
  });
});

describe('lifecycle and bad input', () => {
  it('notify returns before delivery; shutdown flushes the queue', async () => {
    receiver.respondWith({ status: 200, delayMs: 300 });
    const d = build({ channels: [webhook()] });
    const started = Date.now();
    await d.notify(incident(), 'trigger');
    expect(Date.now() - started).toBeLessThan(250);
    await d.shutdown();
    expect(receiver.requests).toHaveLength(1);
    await d.shutdown(); // idempotent
  });

  it('an alert after shutdown, or something that is not an incident, is counted and set aside without throwing', async () => {
    const s = settings();
    const d = build({ channels: [webhook()] }, s);
    await d.notify({ nope: true } as unknown as Incident, 'trigger');
    await d.shutdown();
    await d.notify(incident(), 'trigger');
    expect(receiver.requests).toHaveLength(0);
    expect(await counter(s.metrics, 'alertsFailed', 'webhook')).toBe(2);
  });

  it('the default config prints to the console', async () => {
    const out: string[] = [];
    const d = createAlertDispatcher(alertsConfig({}), settings(), { write: (t) => void out.push(t) });
    dispatchers.push(d);
    expect(d.channels).toEqual(['console']);
    await d.notify(incident(), 'trigger');
    await d.drain();
    expect(out.join('')).toContain('[HIGH] Data exfiltration from shop/frontend');
  });
});

describe('config', () => {
  it('fails at start-up naming every bad key, without echoing secrets', () => {
    const cfg = alertsConfig({
      channels: [
        { type: 'webhook', url: 'not a url', secret: 'plaintext-secret-value' },
        { type: 'webhook', url: 'ftp://x/hook' },
        { type: 'slack', url: 'https://hooks.slack.com/services/T/B/TOKEN' },
      ],
      retry: { initial_backoff_ms: 5000, max_backoff_ms: 1000 },
    });
    let message = '';
    try {
      createAlertDispatcher(cfg, settings());
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('alerts.channels[0].url: not an absolute URL');
    expect(message).toContain('alerts.channels[0].secret: must start with "whsec_"');
    expect(message).toContain('alerts.channels[1].name: duplicate channel name "webhook"');
    expect(message).toContain('alerts.channels[1].url: must be an http or https URL');
    expect(message).toContain('alerts.retry.max_backoff_ms: must be at least retry.initial_backoff_ms');
    expect(message).not.toContain('plaintext-secret-value');
    expect(message).not.toContain('TOKEN');
  });

  it('accepts a whsec_ secret of 24-64 bytes only', () => {
    const short = 'whsec_' + Buffer.from('too short').toString('base64');
    expect(() =>
      createAlertDispatcher(
        alertsConfig({ channels: [{ type: 'webhook', url: 'http://x/h', secret: short }] }),
        settings(),
      ),
    ).toThrow(/must decode to 24-64 bytes \(got 9\)/);
  });
});
