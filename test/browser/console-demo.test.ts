/**
 * The incident console against a running `meshguard demo`, in headless Chromium, the way an on-call
 * engineer uses it: every incident of /api/incidents appears in the list with its id, kind and
 * offender; a row opens its detail page; the detail URL loads directly as a deep link; the page asks
 * nothing of another origin.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, watchedPage } from '../helpers/browser.js';
import { ROOT, ensureBuilt } from '../helpers/build.js';
import { waitFor } from '../helpers/wait.js';

interface ListedIncident {
  id: string;
  kind: string;
  workload: { principal?: string; address?: string; namespace?: string; serviceAccount?: string };
}

let demo: ChildProcess;
let output = '';
let base = '';
let browser: Browser;

async function incidents(): Promise<ListedIncident[]> {
  const res = await fetch(`${base}/api/incidents?limit=1000`);
  return ((await res.json()) as { incidents: ListedIncident[] }).incidents;
}

beforeAll(async () => {
  ensureBuilt();
  demo = spawn(
    process.execPath,
    [join(ROOT, 'bin/meshguard.js'), 'demo', '--port', '0', '--duration', '120s'],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-20000);
  };
  demo.stdout!.on('data', keep);
  demo.stderr!.on('data', keep);
  await waitFor(() => /console: +(http:\/\/localhost:\d+)\/ui\//.test(output), 60_000, 'the demo to serve', {
    detail: () => output,
  });
  base = /console: +(http:\/\/localhost:\d+)\/ui\//.exec(output)![1]!;
  await waitFor(async () => (await incidents()).length >= 3, 120_000, 'three incidents', {
    intervalMs: 500,
    detail: () => output,
  });
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  demo?.kill('SIGTERM');
});

describe('incident console on a running demo', () => {
  it('lists every incident of /api/incidents with its id, kind and offender as text', async () => {
    const { page, problems } = await watchedPage(browser, base);
    await page.goto(`${base}/ui/`);
    await page.locator('table.incidents tbody tr').first().waitFor();
    const listed = await incidents();
    // The list re-reads every few seconds: wait until it holds what the API held just before.
    await waitFor(
      async () => {
        const text = await page.locator('body').innerText();
        return listed.every((i) => text.includes(i.id));
      },
      10_000,
      'every incident of /api/incidents on the page',
    );
    for (const incident of listed) {
      const row = page.locator(`tr[data-incident-id="${incident.id}"]`);
      const text = await row.innerText();
      expect(text).toContain(incident.id);
      expect(text).toContain(incident.kind);
      expect(text).toContain(incident.workload.principal ?? incident.workload.address);
    }
    // Newest first, like the API.
    const order = await page
      .locator('table.incidents tbody tr')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-incident-id')));
    expect(order.slice(0, listed.length)).toEqual(listed.map((i) => i.id).slice(0, order.length));
    expect(problems).toEqual([]);
  });

  it('filters by kind through the labelled select, and the filter is in the URL', async () => {
    const { page } = await watchedPage(browser, base);
    await page.goto(`${base}/ui/`);
    await page.locator('table.incidents tbody tr').first().waitFor();
    const kind = (await incidents())[0]!.kind;
    await page.getByLabel('Kind').selectOption(kind);
    await page.waitForURL(`**/ui/?kind=${kind}`);
    const kinds = await page.locator('table.incidents tbody tr .kind').allInnerTexts();
    expect(kinds.length).toBeGreaterThan(0);
    expect(new Set(kinds)).toEqual(new Set([kind]));
  });

  it('opens a detail page from its row, and the same URL loads directly with evidence, timeline and policy', async () => {
    const { page, problems } = await watchedPage(browser, base);
    await page.goto(`${base}/ui/`);
    const first = (await incidents())[0]!;
    await page.locator(`tr[data-incident-id="${first.id}"] a`).click();
    await page.waitForURL(`**/ui/incidents/${first.id}`);
    await expect(page.locator('#incident-title').innerText()).resolves.toMatch(/from/);

    const deep = await watchedPage(browser, base);
    const res = await deep.page.goto(`${base}/ui/incidents/${first.id}`);
    expect(res!.status()).toBe(200);
    const article = deep.page.locator(`article[data-incident-id="${first.id}"]`);
    await article.waitFor();
    const text = await article.innerText();
    expect(text).toContain(first.kind);
    expect(text).toContain('Evidence');
    expect(text).toContain('Detectors that fired');
    // The offender's traffic against its baseline, drawn by uPlot.
    await deep.page.locator('.chart canvas').first().waitFor();
    // The console alert of the demo, delivered.
    await deep.page.getByRole('cell', { name: 'delivered' }).first().waitFor();
    // The policy meshguard wrote, as YAML.
    await deep.page.getByText('kind: AuthorizationPolicy').first().waitFor();
    expect([...problems, ...deep.problems]).toEqual([]);
  });

  it('shows health: the sources and model state per workload, the figures of /metrics', async () => {
    const { page, problems } = await watchedPage(browser, base);
    await page.goto(`${base}/ui/health`);
    await page.getByRole('cell', { name: 'simulator' }).waitFor();
    const metrics = await (await fetch(`${base}/metrics`)).text();
    const tracked = Number(/^meshguard_entities_tracked (\S+)$/m.exec(metrics)![1]);
    expect(tracked).toBeGreaterThan(0);
    await page.getByText(/\d+ learning, \d+ scoring/).waitFor();
    expect(await page.getByRole('cell', { name: 'scoring' }).count()).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });
});
