import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { simulateInto } from '../../../pipelines/sources/simulator/index.js';
import type { AllowPolicyManifest } from '../../../pipelines/responders/least-privilege/istio.js';
import { runTighten, type TightenSummary } from '../../../services/cli/tighten.js';

const START = Date.parse('2026-03-02T10:00:00Z');

function corpus(identity: 'spiffe' | 'address', scenarios: string[] = []): string {
  const dir = mkdtempSync(join(tmpdir(), 'tighten-'));
  const lines: string[] = [];
  simulateInto(
    {
      seed: 3,
      startMs: START,
      durationMs: 6 * 60_000,
      services: 12,
      ratePerSec: 10,
      identity,
      scenarios,
      warmupMs: 60_000,
      benign: [],
    },
    (l) => lines.push(l),
  );
  lines.splice(5, 0, '{"not": "an access log"', 'garbage');
  const file = join(dir, 'logs.jsonl');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((stdout += String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((stderr += String(s)), true));
  const code = await runTighten(argv);
  vi.restoreAllMocks();
  return { code, stdout, stderr };
}

function policiesIn(dir: string): AllowPolicyManifest[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.yaml'))
    .map((e) => parse(readFileSync(join(e.parentPath, e.name), 'utf8')) as AllowPolicyManifest);
}

afterEach(() => vi.restoreAllMocks());

describe('meshguard tighten', () => {
  const spiffe = corpus('spiffe');

  it('writes one dry-run ALLOW policy per destination and ends with a JSON summary', async () => {
    const out = mkdtempSync(join(tmpdir(), 'tighten-out-'));
    const { code, stdout, stderr } = await run([
      '--input',
      spiffe,
      '--policies-dir',
      out,
      '--until',
      '2026-03-02T10:04:00Z',
    ]);
    expect(code).toBe(0);
    const summary = JSON.parse(stdout.trim().split('\n').at(-1)!) as TightenSummary;
    expect(summary).toMatchObject({ rejected: 2, mode: 'dry-run', mesh: 'istio', callersLeftOut: 0 });
    expect(summary.destinations).toBeGreaterThan(5);
    expect(summary.edges).toBeGreaterThan(summary.destinations);
    const policies = policiesIn(out);
    expect(policies.length).toBe(summary.policiesWritten);
    expect(summary.policiesWritten + summary.destinationsSkipped).toBe(summary.destinations);
    for (const p of policies) {
      expect(p.spec.action).toBe('ALLOW');
      expect(p.metadata.annotations['istio.io/dry-run']).toBe('true');
      expect(Object.keys(p.spec.selector.matchLabels).length).toBeGreaterThan(0);
    }
    // The gateway's namespace is protected: it is reported, never tightened.
    expect(stderr).toMatch(/no policy for istio-system\/[a-z-]+: namespace istio-system is protected/);
    expect(stderr).toMatch(/2 records were rejected/);
  });

  it('with --l7 and --enforce, restricts routes and drops the dry-run annotation', async () => {
    const out = mkdtempSync(join(tmpdir(), 'tighten-out-'));
    const { code } = await run(['--input', spiffe, '--policies-dir', out, '--l7', '--enforce']);
    expect(code).toBe(0);
    const policies = policiesIn(out);
    expect(policies.every((p) => !('istio.io/dry-run' in p.metadata.annotations))).toBe(true);
    const paths = policies.flatMap((p) =>
      (p.spec.rules ?? []).flatMap((r) => (r.to ?? []).flatMap((t) => t.operation.paths)),
    );
    expect(paths.length).toBeGreaterThan(0);
    expect(paths.every((p: string) => p.startsWith('/') && !p.includes('?'))).toBe(true);
  });

  it('lists callers without an mTLS identity and leaves them out, with a warning', async () => {
    const out = mkdtempSync(join(tmpdir(), 'tighten-out-'));
    const report = join(out, 'report.json');
    const input = corpus('spiffe', ['plaintext_in_strict_mtls']);
    const { stdout, stderr } = await run(['--input', input, '--policies-dir', out, '--report', report]);
    const summary = JSON.parse(stdout.trim().split('\n').at(-1)!) as TightenSummary;
    expect(summary.callersLeftOut).toBeGreaterThan(0);
    expect(summary.policiesWritten).toBeGreaterThan(0);
    expect(stderr).toMatch(/caller ip:10\.[0-9.]+ left out of the policies of .*no mTLS identity/);
    const written = JSON.parse(readFileSync(report, 'utf8')) as { leftOut: unknown[]; skipped: unknown[] };
    expect(written.leftOut.length).toBe(summary.callersLeftOut);
  });

  it('writes nothing when the logs carry no pod labels (Istio default format, no shipper metadata)', async () => {
    const out = mkdtempSync(join(tmpdir(), 'tighten-out-'));
    const { stdout, stderr } = await run(['--input', corpus('address'), '--policies-dir', out]);
    const summary = JSON.parse(stdout.trim().split('\n').at(-1)!) as TightenSummary;
    expect(summary.destinations).toBeGreaterThan(0);
    expect(summary.policiesWritten).toBe(0);
    expect(stderr).toMatch(/no pod labels in the records/);
  });

  it('writes Linkerd and Consul objects with --mesh', async () => {
    for (const [mesh, kinds] of [
      ['linkerd', ['AuthorizationPolicy', 'MeshTLSAuthentication', 'Server']],
      ['consul', ['ServiceIntentions']],
    ] as const) {
      const out = mkdtempSync(join(tmpdir(), 'tighten-out-'));
      const { code, stdout } = await run(['--input', spiffe, '--policies-dir', out, '--mesh', mesh]);
      expect(code).toBe(0);
      const summary = JSON.parse(stdout.trim().split('\n').at(-1)!) as TightenSummary;
      expect(summary.mesh).toBe(mesh);
      const objects = policiesIn(out) as unknown as Array<{ kind: string }>;
      expect(objects.length).toBe(summary.policiesWritten);
      expect([...new Set(objects.map((o) => o.kind))].sort()).toEqual(kinds);
    }
  });

  it('refuses bad usage with a clear message', async () => {
    await expect(run(['--input', spiffe])).rejects.toThrow(/--policies-dir DIR is required/);
    await expect(
      run(['--input', spiffe, '--policies-dir', '/tmp/x', '--since', 'yesterday']),
    ).rejects.toThrow(/--since is not a time/);
    await expect(run(['--input', '/nonexistent/file', '--policies-dir', '/tmp/x'])).rejects.toThrow(
      /cannot read --input/,
    );
    await expect(run(['--input', spiffe, '--policies-dir', '/tmp/x', '--mesh', 'kuma'])).rejects.toThrow(
      /--mesh must be one of/,
    );
  });
});
