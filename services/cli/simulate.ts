/**
 * `meshguard simulate`: labeled synthetic mesh traffic (Istio JSON access logs, one per line) and the
 * ground truth of the scenarios it contains. Deterministic for a seed.
 */
import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { parseArgs } from 'node:util';
// The generator's modules, not the component's index: simulating a file needs no config schema (TypeBox).
import {
  ATTACK_SCENARIOS,
  BENIGN_SCENARIOS,
  scenarioByName,
} from '../../pipelines/sources/simulator/scenarios/index.js';
import { simulateInto } from '../../pipelines/sources/simulator/run.js';
import { FORMAT_OF_MESH, SIM_MESHES, type SimMesh } from '../../pipelines/sources/simulator/renderers.js';
import { parseDuration, usageError } from './args.js';

const HELP = `meshguard simulate [--duration 30m] [--seed 1] [--services 50] [--rate 200]
                   [--scenarios all|none|a,b] [--benign all|none|a,b] [--identity spiffe|address]
                   [--one-sidecar] [--mesh istio|linkerd|consul|ambient|cilium]
                   [--output FILE|-] [--labels FILE.json] [--start ISO]

Writes simulated mesh access-log records (NDJSON) to --output (default: stdout) and the scenarios'
ground truth (scenario, actor, start/end, acceptable incident kinds) to --labels. --mesh picks whose
records: Istio's sidecars (istio-json, the default), Linkerd's proxies (linkerd-json), Consul's Envoy
sidecars (consul-json), Istio ambient's ztunnels (ztunnel) or Cilium's Hubble (hubble-json); replay
reads each with --format auto. The L4-only formats (ztunnel, Hubble) cannot show HTTP-level attacks,
and Linkerd logs inbound HTTP only (no egress): see docs/meshes.md.
Normal traffic comes first (10 minutes, or a third of a shorter run); scenarios follow, one at a time.

Attacks: ${ATTACK_SCENARIOS.join(', ')}
Benign:  ${BENIGN_SCENARIOS.join(', ')}`;

function scenarioList(text: string, all: readonly string[], flag: string): string[] {
  if (text === 'all') return [...all];
  if (text === 'none' || text === '') return [];
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const n of names) {
    if (!scenarioByName(n)) throw usageError(`${flag}: unknown scenario "${n}" (known: ${all.join(', ')})`);
  }
  return names;
}

/** The `--mesh` value, checked. */
export function meshOf(text: string): SimMesh {
  if (!(SIM_MESHES as readonly string[]).includes(text))
    throw usageError(`--mesh: expected one of ${SIM_MESHES.join(', ')}, got "${text}"`);
  return text as SimMesh;
}

function positiveInt(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw usageError(`${flag}: expected a positive number, got "${text}"`);
  return n;
}

/** Start of simulated time by default: today's 09:00 UTC, a weekday morning with traffic rising. */
function defaultStart(): number {
  const d = new Date();
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), 9, 0, 0);
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    options: {
      duration: { type: 'string', default: '30m' },
      seed: { type: 'string', default: '1' },
      services: { type: 'string', default: '50' },
      rate: { type: 'string', default: '200' },
      scenarios: { type: 'string', default: 'all' },
      benign: { type: 'string', default: 'all' },
      identity: { type: 'string', default: 'spiffe' },
      'one-sidecar': { type: 'boolean', default: false },
      mesh: { type: 'string', default: 'istio' },
      output: { type: 'string', default: '-' },
      labels: { type: 'string' },
      start: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

export async function runSimulate(argv: string[]): Promise<number> {
  let values: ReturnType<typeof parse>['values'];
  try {
    ({ values } = parse(argv));
  } catch (error) {
    // node:util reports unknown flags and missing values as TypeErrors: turn them into a usage message.
    throw usageError(`${(error as Error).message}\n\n${HELP}`);
  }
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const identity = values.identity;
  if (identity !== 'spiffe' && identity !== 'address')
    throw usageError(`--identity: expected spiffe or address, got "${identity}"`);
  const startMs = values.start !== undefined ? Date.parse(values.start) : defaultStart();
  if (!Number.isFinite(startMs)) throw usageError(`--start: not an ISO-8601 time: "${values.start}"`);
  const seed = Number(values.seed);
  if (!Number.isInteger(seed)) throw usageError(`--seed: expected an integer, got "${values.seed}"`);
  const mesh = meshOf(values.mesh);
  const opts = {
    mesh,
    seed,
    startMs,
    durationMs: parseDuration(values.duration, '--duration'),
    services: Math.round(positiveInt(values.services, '--services')),
    ratePerSec: positiveInt(values.rate, '--rate'),
    identity,
    bothSidecars: !values['one-sidecar'],
    scenarios: scenarioList(values.scenarios, ATTACK_SCENARIOS, '--scenarios'),
    benign: scenarioList(values.benign, BENIGN_SCENARIOS, '--benign'),
  } as const;

  const toStdout = values.output === '-';
  // Synchronous writes in ~1 MB chunks: generation is synchronous too, so memory stays bounded.
  // (stdout to a file or pipe is synchronous on Linux as well.)
  const fd = toStdout ? undefined : openSync(values.output, 'w');
  let buffer: string[] = [];
  let buffered = 0;
  const flush = (): void => {
    if (buffer.length === 0) return;
    const chunk = buffer.join('');
    buffer = [];
    buffered = 0;
    if (fd !== undefined) writeSync(fd, chunk);
    else process.stdout.write(chunk);
  };
  const started = Date.now();
  let result: ReturnType<typeof simulateInto>;
  try {
    result = simulateInto(opts, (line) => {
      buffer.push(line, '\n');
      buffered += line.length + 1;
      if (buffered > 1 << 20) flush();
    });
    flush();
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  for (const w of result.warnings) process.stderr.write(`meshguard simulate: ${w}\n`);
  if (values.labels) {
    const labels = {
      seed,
      start: new Date(startMs).toISOString(),
      durationMs: opts.durationMs,
      services: result.sim.topology.workloads.length,
      identity,
      mesh,
      format: FORMAT_OF_MESH[mesh],
      records: result.records,
      scenarios: result.truth.map((t) => ({
        ...t,
        start: new Date(t.startMs).toISOString(),
        end: new Date(t.endMs).toISOString(),
      })),
    };
    writeFileSync(values.labels, `${JSON.stringify(labels, null, 2)}\n`);
  }
  process.stderr.write(
    `meshguard simulate: ${result.records} records, ${result.truth.length} scenarios, ${((Date.now() - started) / 1000).toFixed(1)} s` +
      `${toStdout ? '' : ` → ${values.output}`}${values.labels ? `, labels → ${values.labels}` : ''}\n`,
  );
  return 0;
}
