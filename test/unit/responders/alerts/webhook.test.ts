/**
 * The webhook channel's signatures, checked by an independent implementation of Standard Webhooks
 * verification written from the spec (not the code under test).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { IncomingHttpHeaders } from 'node:http';
import { WebhookChannel } from '../../../../pipelines/responders/alerts/webhook/index.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../../helpers/webhook-receiver.js';
import { WHSEC, incident, settings } from './fixtures.js';

const TOLERANCE_SECS = 5 * 60;

/** Spec: base64-decode the part after "whsec_", HMAC-SHA256 `${id}.${ts}.${body}`, compare against each "v1," entry. */
function verify(secret: string, headers: IncomingHttpHeaders, body: string, nowSecs: number): boolean {
  const id = headers['webhook-id'];
  const ts = headers['webhook-timestamp'];
  const sigs = headers['webhook-signature'];
  if (typeof id !== 'string' || typeof ts !== 'string' || typeof sigs !== 'string') return false;
  if (!/^\d+$/.test(ts) || Math.abs(nowSecs - Number(ts)) > TOLERANCE_SECS) return false;
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${ts}.${body}`).digest();
  return sigs.split(' ').some((entry) => {
    const [version, sig] = entry.split(',', 2);
    if (version !== 'v1' || !sig) return false;
    const given = Buffer.from(sig, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

let receiver: WebhookReceiver;
beforeEach(async () => {
  receiver = await startWebhookReceiver();
});
afterEach(async () => receiver.close());

function channel(nowMs: () => number, secret: string | null = WHSEC): WebhookChannel {
  return new WebhookChannel(
    { settings: settings(), name: 'webhook', adminUrl: 'http://localhost:8080', wallNowMs: nowMs },
    { url: `${receiver.url}/hooks/meshguard`, secret: secret ?? undefined, timeout_ms: 2000 },
  );
}

describe('webhook channel', () => {
  it('signs per Standard Webhooks; the signature verifies, a tampered body or a stale timestamp does not', async () => {
    const now = Date.now();
    const result = await channel(() => now).respond(incident(), 'trigger', new AbortController().signal);
    expect(result).toEqual({ code: 'ok' });
    const [req] = await receiver.waitFor(1);
    const nowSecs = Math.floor(now / 1000);
    expect(req!.headers['webhook-timestamp']).toBe(String(nowSecs));
    expect(req!.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(verify(WHSEC, req!.headers, req!.body, nowSecs)).toBe(true);
    expect(verify(WHSEC, req!.headers, req!.body.replace('"high"', '"low"'), nowSecs)).toBe(false);
    expect(verify(WHSEC, req!.headers, req!.body, nowSecs + 10 * 60)).toBe(false);
    const other = 'whsec_' + Buffer.from('another-secret-of-32-bytes-long!').toString('base64');
    expect(verify(other, req!.headers, req!.body, nowSecs)).toBe(false);
  });

  it('sends the Incident plus the event as JSON', async () => {
    await channel(Date.now).respond(incident(), 'resolve', new AbortController().signal);
    const [req] = await receiver.waitFor(1);
    expect(req!.json).toEqual({ event: 'resolve', ...incident() });
    expect(req!.headers['content-type']).toBe('application/json');
  });

  it('keeps the webhook-id for the same incident and event across attempts, and changes it between events', async () => {
    let now = Date.now();
    const ch = channel(() => now);
    await ch.respond(incident(), 'trigger', new AbortController().signal);
    now += 30_000;
    await ch.respond(incident(), 'trigger', new AbortController().signal);
    await channel(() => now).respond(incident(), 'trigger', new AbortController().signal); // another replica
    await ch.respond(incident(), 'resolve', new AbortController().signal);
    const reqs = await receiver.waitFor(4);
    const ids = reqs.map((r) => r.headers['webhook-id']);
    expect(ids[0]).toMatch(/^msg_[0-9a-f]{32}$/);
    expect(ids[1]).toBe(ids[0]);
    expect(ids[2]).toBe(ids[0]);
    expect(ids[3]).not.toBe(ids[0]);
    // Re-signed with the new time at each attempt, so a retry is not rejected as stale.
    expect(reqs[1]!.headers['webhook-timestamp']).not.toBe(reqs[0]!.headers['webhook-timestamp']);
    for (const r of reqs.slice(0, 3))
      expect(verify(WHSEC, r.headers, r.body, Number(r.headers['webhook-timestamp']))).toBe(true);
  });

  it('sends no signature header without a secret', async () => {
    await channel(Date.now, null).respond(incident(), 'trigger', new AbortController().signal);
    const [req] = await receiver.waitFor(1);
    expect(req!.headers['webhook-signature']).toBeUndefined();
    expect(req!.headers['webhook-id']).toBeDefined();
  });
});
