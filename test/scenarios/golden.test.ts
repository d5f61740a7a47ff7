/**
 * Golden replay: the simulator's fixed-seed corpus, replayed through the `meshguard` binary, gives
 * byte-identical incidents and policies to the ones recorded in test/fixtures/golden/. A refactor must
 * not change what meshguard finds; a deliberate change of behaviour re-records them with
 * `MESHGUARD_UPDATE_GOLDEN=1 npx vitest run test/scenarios/golden.test.ts` and says why in its commit.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, ensureBuilt } from '../helpers/build.js';

const GOLDEN = join(ROOT, 'test', 'fixtures', 'golden');
const UPDATE = process.env.MESHGUARD_UPDATE_GOLDEN === '1';
const dir = mkdtempSync(join(tmpdir(), 'meshguard-golden-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(() => ensureBuilt());

function meshguard(args: string[]): string {
  const run = spawnSync(process.execPath, [join(ROOT, 'bin', 'meshguard.js'), ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, MESHGUARD_LOG_LEVEL: 'silent' },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`meshguard ${args[0]} exited ${run.status}: ${run.stderr}`);
  return run.stdout;
}

/** Every policy file under `root`, as `<namespace>/<file>` → its text, in a stable order. */
function policies(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!existsSync(root)) return out;
  for (const ns of readdirSync(root).sort())
    for (const f of readdirSync(join(root, ns)).sort())
      out[`${ns}/${f}`] = readFileSync(join(root, ns, f), 'utf8');
  return out;
}

const CORPORA = [
  { name: 'spiffe', seed: '7', identity: 'spiffe' },
  { name: 'address', seed: '8', identity: 'address' },
];

describe('golden replay of the fixed-seed simulator corpus', () => {
  for (const corpus of CORPORA) {
    it(`${corpus.name} identities: incidents and policies unchanged`, () => {
      const input = join(dir, `${corpus.name}.jsonl`);
      meshguard([
        'simulate',
        ...['--duration', '25m', '--seed', corpus.seed, '--services', '12', '--rate', '20'],
        ...['--identity', corpus.identity, '--start', '2026-11-02T08:00:00Z', '--output', input],
      ]);
      const incidentsPath = join(dir, `${corpus.name}.incidents.jsonl`);
      const policiesDir = join(dir, `${corpus.name}-policies`);
      const summary = JSON.parse(
        meshguard(['replay', '--input', input, '--incidents', incidentsPath, '--policies-dir', policiesDir])
          .trim()
          .split('\n')
          .pop()!,
      ) as { incidents: number };
      const incidents = readFileSync(incidentsPath, 'utf8');
      const written = JSON.stringify(policies(policiesDir), null, 2);
      const goldenIncidents = join(GOLDEN, `${corpus.name}.incidents.jsonl`);
      const goldenPolicies = join(GOLDEN, `${corpus.name}.policies.json`);
      if (UPDATE) {
        writeFileSync(goldenIncidents, incidents);
        writeFileSync(goldenPolicies, `${written}\n`);
      }
      expect(summary.incidents).toBeGreaterThan(3);
      expect(incidents).toBe(readFileSync(goldenIncidents, 'utf8'));
      expect(`${written}\n`).toBe(readFileSync(goldenPolicies, 'utf8'));
    }, 120_000);
  }
});
