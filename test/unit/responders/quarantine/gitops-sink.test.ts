import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { AuthorizationPolicy } from '@kubernetes-models/istio/security.istio.io/v1/AuthorizationPolicy';
import { GitOpsSink, QuarantineManager } from '../../../../pipelines/responders/quarantine/index.js';
import { ADMIN_URL, FakeClock, incident, quarantineConfig, settings } from './fixtures.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'meshguard-gitops-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function setup(cfg = {}) {
  const clock = new FakeClock();
  const sink = new GitOpsSink(dir);
  const m = new QuarantineManager({
    cfg: quarantineConfig({ policies_dir: dir, approval_below_severity: 'low', ...cfg }),
    settings: settings(clock),
    sink,
    adminUrl: ADMIN_URL,
    sleep: async () => {},
  });
  return { m, sink, clock };
}

describe('gitops sink', () => {
  it('writes <policies_dir>/<namespace>/<name>.yaml that kubectl and Istio accept, and removes it on release', async () => {
    const { m } = setup();
    const action = await m.decide(incident({ kind: 'scanning' }));
    const file = join(dir, 'istio-system', `${action.policy}.yaml`);
    const text = await readFile(file, 'utf8');
    expect(text).toMatch(/^# Written by meshguard/);
    expect(text).toContain('# Undo: kubectl delete authorizationpolicy -n istio-system');
    const doc = parseYaml(text) as Record<string, unknown>;
    expect(doc).toMatchObject({
      apiVersion: 'security.istio.io/v1',
      kind: 'AuthorizationPolicy',
      spec: { action: 'DENY' },
    });
    expect(() => new AuthorizationPolicy(doc as never).validate()).not.toThrow();
    // Atomic write: no temp files left behind.
    expect(await readdir(join(dir, 'istio-system'))).toEqual([`${action.policy}.yaml`]);

    await m.release(action.policy!, 'alice', 'done');
    expect(await readdir(join(dir, 'istio-system'))).toEqual([]);
  });

  it('lists only meshguard-owned policies and skips broken or foreign files', async () => {
    const { m, sink } = setup();
    await m.decide(incident());
    await mkdir(join(dir, 'shop'), { recursive: true });
    await writeFile(
      join(dir, 'shop', 'hand-written.yaml'),
      'apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: x}\n',
    );
    await writeFile(join(dir, 'shop', 'broken.yaml'), ': : :\n  - [');
    await writeFile(join(dir, 'README.txt'), 'not a namespace');
    const listed = await sink.list();
    expect(listed).toHaveLength(1);
    expect(listed[0]!.metadata.labels?.['app.kubernetes.io/managed-by']).toBe('meshguard');
  });

  it('writes the NetworkPolicy suggestion under a name no sync tool applies, and removes it on release', async () => {
    const { m } = setup({
      egress_gateway: { enabled: false, namespace: 'istio-system', selector: { istio: 'egressgateway' } },
    });
    const action = await m.decide(
      incident({ kind: 'exfiltration', evidence: { podLabels: { app: 'frontend' } } }),
    );
    expect(action.notEnforced?.join(' ')).toMatch(/egress could not be enforced/);
    const suggestion = join(dir, 'shop', `${action.policy}-egress.networkpolicy.yaml.suggested`);
    const text = await readFile(suggestion, 'utf8');
    expect(text).toMatch(/^# SUGGESTION from meshguard/);
    expect(parseYaml(text)).toMatchObject({
      kind: 'NetworkPolicy',
      spec: { policyTypes: ['Egress'], egress: [] },
    });
    await m.release(action.policy!, 'alice', 'done');
    expect(await readdir(join(dir, 'shop'))).toEqual([]);
  });

  it('refuses path segments that could leave the directory', async () => {
    const sink = new GitOpsSink(dir);
    expect(
      (
        await sink.delete({
          apiVersion: 'security.istio.io/v1',
          kind: 'AuthorizationPolicy',
          namespace: '..',
          name: 'etc',
        })
      ).code,
    ).toBe('permanent');
  });

  it('classifies an unwritable directory as permanent', async () => {
    await writeFile(join(dir, 'file'), '');
    const sink = new GitOpsSink(join(dir, 'file'));
    const { m } = setup();
    const policy = await (async () => {
      await m.decide(incident());
      return (await new GitOpsSink(dir).list())[0]!;
    })();
    expect((await sink.apply(policy)).code).toBe('permanent'); // ENOTDIR
  });
});
