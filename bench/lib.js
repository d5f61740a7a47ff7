// Shared helpers for the benchmarks: robust statistics, child processes, the compiled code and the input file.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, writeSync, closeSync, renameSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const DIST = join(ROOT, 'dist');

/** Import a compiled module from dist/ ('pipelines/parse/index.js'); fails with the command to run. */
export async function dist(path) {
  const file = join(DIST, path);
  if (!existsSync(file)) throw new Error(`${path} is not built: run \`npm run build\` first`);
  return import(pathToFileURL(file).href);
}

export function median(xs) {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Nearest-rank percentile (p in 0..100). */
export function percentile(xs, p) {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

export const round = (x, digits = 0) => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

/** Parse `--key value` / `--flag` arguments into an object. */
export function args(argv = process.argv.slice(2)) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) continue;
    const next = argv[i + 1];
    if (next === undefined || next.startsWith('--')) out[a.slice(2)] = true;
    else {
      out[a.slice(2)] = next;
      i++;
    }
  }
  return out;
}

/** A child benchmark reports by printing one JSON object as its last stdout line. */
export function report(result) {
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/**
 * Run a command to completion; resolves with its wall time, exit code and output. The time is measured
 * here, from spawn to exit, so a process's start-up counts.
 */
export function runProcess(cmd, argv, opts = {}) {
  return new Promise((resolvePromise, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(cmd, argv, {
      cwd: opts.cwd ?? ROOT,
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.once('error', reject);
    child.once('exit', (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      resolvePromise({ code, seconds, stdout, stderr });
    });
  });
}

/** Run a child benchmark (`node bench/<file> ...`) and return the JSON object it reported. */
export async function runBench(file, argv = [], nodeFlags = []) {
  const r = await runProcess(process.execPath, [...nodeFlags, join(ROOT, 'bench', file), ...argv]);
  const last = r.stdout.trim().split('\n').pop() ?? '';
  if (r.code !== 0)
    throw new Error(
      `bench/${file} exited with ${r.code}: ${r.stderr.trim().split('\n').slice(-5).join('\n')}`,
    );
  try {
    return JSON.parse(last);
  } catch {
    throw new Error(`bench/${file} printed no result: ${r.stderr.trim().slice(-500)}`);
  }
}

export const DATA_START_MS = Date.parse('2026-11-02T08:00:00Z');

/**
 * The benchmark input: simulated Istio JSON access logs (normal traffic of 50 services plus attack
 * scenarios), deterministic for a given seed and length, cached in the OS temp directory. 33 simulated
 * minutes at 50 requests/s is about 180,000 lines (inbound and outbound records), ~200 MB.
 */
export async function istioInput({ minutes = 33, seed = 3, services = 50, ratePerSec = 50 } = {}) {
  const dir = join(tmpdir(), 'meshguard-bench');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `istio-json-s${seed}-m${minutes}-n${services}-r${ratePerSec}.jsonl`);
  if (existsSync(file) && statSync(file).size > 0) return file;
  const { simulateInto } = await dist('pipelines/sources/simulator/index.js');
  const partial = `${file}.${process.pid}.part`;
  const fd = openSync(partial, 'w');
  let buf = [];
  simulateInto(
    { seed, startMs: DATA_START_MS, durationMs: minutes * 60_000, services, ratePerSec, identity: 'spiffe' },
    (line) => {
      buf.push(line);
      if (buf.length >= 5000) {
        writeSync(fd, `${buf.join('\n')}\n`);
        buf = [];
      }
    },
  );
  if (buf.length) writeSync(fd, `${buf.join('\n')}\n`);
  closeSync(fd);
  renameSync(partial, file);
  return file;
}
