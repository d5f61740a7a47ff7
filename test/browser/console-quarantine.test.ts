/**
 * The quarantine actions of the incident console in headless Chromium, against a real meshguard
 * service whose quarantine sink is the kubernetes one talking to the apiserver stand-in: a pending
 * quarantine is approved (the policy appears in the "cluster"), then released (it is gone), each with a
 * reason that lands in the audit trail. Without the token the console says why it cannot act.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/load.js';
import type { QuarantineRecord } from '../../pipelines/responders/quarantine/record.js';
import { Service } from '../../services/service.js';
import {
  ensureKubernetesClientLoads,
  startApiServerStandIn,
  type ApiServerStandIn,
} from '../helpers/apiserver-stand-in.js';
import { launchChromium, watchedPage } from '../helpers/browser.js';
import { waitFor } from '../helpers/wait.js';
import { incident } from '../unit/responders/quarantine/fixtures.js';

const TOKEN = 'console-test-admin-token';

let api: ApiServerStandIn;
let dir: string;
let browser: Browser;
const services: Service[] = [];

async function startService(token: string): Promise<{ service: Service; base: string }> {
  const kubeconfig = join(dir, 'kubeconfig.yaml');
  await writeFile(kubeconfig, api.kubeconfigYaml());
  const cfg = await loadConfig({
    env: {},
    overrides: {
      http: { host: '127.0.0.1', port: 0 },
      admin: { token },
      alerts: { channels: [] },
      quarantine: {
        sink: 'kubernetes',
        kubeconfig,
        mode: 'enforce',
        approval_below_severity: 'critical',
      },
    },
  });
  const service = new Service(cfg, 'all', pino({ level: 'silent' }));
  services.push(service);
  await service.start();
  return { service, base: `http://127.0.0.1:${service.port}` };
}

/** A high-severity incident through the service's own responders: below critical, it waits for approval. */
async function pendingQuarantine(service: Service): Promise<QuarantineRecord> {
  await service.scoringParts!.responders.handle(incident({ severity: 'high', kind: 'unauthorized_access' }));
  const list = await service.scoringParts!.responders.quarantine.list();
  const pending = list.find((q) => q.state === 'pending-approval');
  if (!pending) throw new Error(`no pending quarantine: ${JSON.stringify(list.map((q) => q.state))}`);
  return pending;
}

async function act(page: Page, card: string, verb: 'Approve' | 'Release', reason: string): Promise<void> {
  const quarantine = page.locator(card);
  await quarantine.getByRole('button', { name: verb, exact: true }).click();
  await quarantine.getByLabel(`Reason for “${verb}”`).fill(reason);
  await quarantine.getByRole('button', { name: `Confirm ${verb}` }).click();
}

const policiesOf = (id: string): string[] =>
  [...api.objects.keys()].filter((key) => key.split('/')[1]!.startsWith(id));

beforeAll(async () => {
  ensureKubernetesClientLoads();
  api = await startApiServerStandIn();
  dir = await mkdtemp(join(tmpdir(), 'meshguard-console-'));
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  for (const s of services) await s.stop();
  await api?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('quarantine actions in the console', () => {
  it('approves a pending quarantine (policy applied through the API server) and releases it (policy gone)', async () => {
    api.objects.clear();
    const { service, base } = await startService(TOKEN);
    const pending = await pendingQuarantine(service);
    expect(policiesOf(pending.id)).toEqual([]);

    const { page, problems } = await watchedPage(browser, base);
    await page.goto(`${base}/ui/quarantines`);
    // A token is configured, so even reads need it: the page says so and where to put it.
    await expect(page.getByRole('alert').first().innerText()).resolves.toMatch(/admin token/i);
    await page.getByLabel('Admin token').fill(TOKEN);
    await page.getByRole('button', { name: 'Use token' }).click();

    const card = `article[data-quarantine-id="${pending.id}"]`;
    await page.locator(card).locator('.state', { hasText: 'pending-approval' }).waitFor();
    await expect(page.getByTestId('budget').innerText()).resolves.toMatch(/of 10/);

    await act(page, card, 'Approve', 'confirmed with the service owner');
    // The view's outcome line: the card keeps its own copy until the next poll draws it anew.
    await page
      .getByTestId('outcome')
      .filter({ hasText: /approved and applied/ })
      .waitFor();
    await waitFor(() => policiesOf(pending.id).length > 0, 10_000, 'the policy in the API server');
    const applied = api.objects.get(policiesOf(pending.id)[0]!)!;
    expect(applied).toMatchObject({ kind: 'AuthorizationPolicy', spec: { action: 'DENY' } });
    await page.locator('#group-active').waitFor();

    await act(page, card, 'Release', 'false positive: a load test');
    await page
      .getByTestId('outcome')
      .filter({ hasText: /released\./ })
      .waitFor();
    await waitFor(() => policiesOf(pending.id).length === 0, 10_000, 'the policy gone from the API server');

    const audit = (await (
      await fetch(`${base}/api/audit`, { headers: { authorization: `Bearer ${TOKEN}` } })
    ).json()) as { entries: Array<{ action: string; reason: string; quarantineId?: string }> };
    const mine = audit.entries.filter((e) => e.quarantineId === pending.id);
    expect(mine).toContainEqual(
      expect.objectContaining({ action: 'approve', reason: 'confirmed with the service owner' }),
    );
    expect(mine).toContainEqual(
      expect.objectContaining({ action: 'release', reason: 'false positive: a load test' }),
    );
    expect(problems).toEqual([]);
  }, 60_000);

  it('without an admin token the buttons are refused with a clear message and nothing changes', async () => {
    api.objects.clear();
    const { service, base } = await startService('');
    const pending = await pendingQuarantine(service);
    const { page } = await watchedPage(browser, base);
    await page.goto(`${base}/ui/quarantines`);
    const card = `article[data-quarantine-id="${pending.id}"]`;
    await page.locator(card).locator('.state', { hasText: 'pending-approval' }).waitFor();

    await act(page, card, 'Approve', 'trying without a token');
    const refusal = await page.locator(card).getByRole('alert').innerText();
    expect(refusal).toMatch(/Refused: the admin API is read-only/);
    expect(refusal).toMatch(/admin token/);
    expect((await service.scoringParts!.responders.quarantine.get(pending.id))!.state).toBe(
      'pending-approval',
    );
    expect(policiesOf(pending.id)).toEqual([]);
  });
});
