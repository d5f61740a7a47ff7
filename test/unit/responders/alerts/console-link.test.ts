/**
 * Every alert channel's message carries the link to the incident's page in the console
 * (<alerts.console_url>/ui/incidents/<id>, admin_url when unset), and the console channel's line
 * format is one readable line per incident.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Responder } from '../../../../pipelines/core/component.js';
import type { ChannelConfig } from '../../../../pipelines/responders/alerts/config.js';
import { createChannel, formatAlert } from '../../../../pipelines/responders/alerts/index.js';
import { formatAlertLine } from '../../../../pipelines/responders/alerts/format.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../../helpers/webhook-receiver.js';
import { WHSEC, incident, settings } from './fixtures.js';

const CONSOLE = 'https://meshguard.example.com';
const LINK = `${CONSOLE}/ui/incidents/inc-exfil-shop-frontend-1`;

let receiver: WebhookReceiver;
beforeEach(async () => {
  receiver = await startWebhookReceiver();
});
afterEach(async () => receiver.close());

function channel(cfg: ChannelConfig, write?: (text: string) => void): Responder {
  return createChannel(cfg, {
    ...settings(),
    adminUrl: 'http://mg.internal:8080',
    consoleUrl: `${CONSOLE}/`,
    wallNowMs: () => Date.parse('2025-03-01T03:00:05.000Z'),
    ...(write ? { write } : {}),
  });
}

const routing = { min_severity: 'low' as const, timeout_ms: 1000 };

describe('the console link in every alert', () => {
  it('is in the text block, and falls back to admin_url when no console URL is set', () => {
    expect(
      formatAlert(incident(), 'trigger', { adminUrl: 'http://a:1', consoleUrl: CONSOLE }).text,
    ).toContain(`view:   ${LINK}`);
    expect(formatAlert(incident(), 'trigger', { adminUrl: 'http://a:1/' }).link).toBe(
      'http://a:1/ui/incidents/inc-exfil-shop-frontend-1',
    );
    expect(formatAlert(incident({ id: 'a/b c' }), 'trigger', { adminUrl: 'http://a:1' }).link).toBe(
      'http://a:1/ui/incidents/a%2Fb%20c',
    );
  });

  it.each([
    ['webhook', (url: string) => ({ type: 'webhook', url: `${url}/hook`, secret: WHSEC, ...routing })],
    ['slack', (url: string) => ({ type: 'slack', url: `${url}/services/T/B/x`, ...routing })],
    [
      'pagerduty',
      (url: string) => ({ type: 'pagerduty', routing_key: 'k'.repeat(32), url: `${url}/e`, ...routing }),
    ],
    ['alertmanager', (url: string) => ({ type: 'alertmanager', url, expire_after_secs: 60, ...routing })],
  ] as const)('%s sends it', async (_type, cfg) => {
    const delivery = await channel(cfg(receiver.url) as ChannelConfig).respond(
      incident(),
      'trigger',
      AbortSignal.timeout(2000),
    );
    expect(delivery.code).toBe('ok');
    const [request] = await receiver.waitFor(1);
    expect(request!.body).toContain(LINK);
  });

  it('the console channel prints it, in one line with time, severity, kind, offender and action', async () => {
    const written: string[] = [];
    const c = channel({ type: 'console', format: 'line', ...routing }, (t) => written.push(t));
    await c.respond(incident(), 'trigger', AbortSignal.timeout(1000));
    expect(written).toHaveLength(1);
    const line = written[0]!;
    expect(line.trimEnd().split('\n')).toHaveLength(1);
    expect(line).toMatch(/^\d\d:\d\d:\d\d {2}(HIGH|CRITICAL|MEDIUM|LOW)\s+exfiltration\s+shop\/frontend\s+/);
    expect(line.trimEnd().endsWith(LINK)).toBe(true);
    expect(formatAlertLine(incident(), 'resolve', { adminUrl: CONSOLE })).toMatch(/RESOLVED .* released /);
  });
});
