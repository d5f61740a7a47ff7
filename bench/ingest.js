// Ingest throughput: NDJSON bodies (--batch lines each) POSTed to /ingest/envoy over several keep-alive
// connections, against `meshguard serve` (embedded bus, scorer parsing + scoring every record) running in
// its own process. Back-pressure (429) is honoured and counted, so the rate is what the scorer sustains.
//   node bench/ingest.js --input FILE [--connections 8] [--batch 1000] [--seconds 10]
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { ROOT, args, percentile, median, report, round } from './lib.js';

const opt = args();
const connections = Number(opt.connections ?? 8);
const batch = Number(opt.batch ?? 1000);
const seconds = Number(opt.seconds ?? 10);
const warmupSeconds = Number(opt.warmup ?? 2);

const lines = readFileSync(opt.input, 'utf8')
  .split('\n')
  .filter((l) => l.length > 0);
const bodies = [];
for (let i = 0; i + batch <= lines.length; i += batch)
  bodies.push(Buffer.from(`${lines.slice(i, i + batch).join('\n')}\n`));

const server = spawn(process.execPath, [join(ROOT, 'bench', 'ingest-server.js')], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
let serverOut = '';
const port = await new Promise((resolve, reject) => {
  server.stdout.on('data', (d) => {
    serverOut += d;
    const m = /port=(\d+)/.exec(serverOut);
    if (m) resolve(Number(m[1]));
  });
  server.once('exit', (code) => reject(new Error(`ingest server exited with ${code}`)));
});

const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
function post(body) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/ingest/envoy',
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/x-ndjson', 'content-length': body.length },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (text += d));
        res.on('end', () =>
          resolve({ status: res.statusCode, text, retryAfter: Number(res.headers['retry-after'] ?? 1) }),
        );
      },
    );
    req.once('error', reject);
    req.end(body);
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let next = 0;
let measuring = false;
let stop = false;
let accepted = 0;
let rejected = 0;
let throttled = 0;
const latencies = [];
async function worker() {
  while (!stop) {
    const body = bodies[next++ % bodies.length];
    const t = process.hrtime.bigint();
    const r = await post(body);
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    if (r.status === 429 || r.status === 503) {
      if (measuring) throttled++;
      await sleep(Math.min(1000, r.retryAfter * 100)); // back off briefly; the bus drains fast
      continue;
    }
    if (r.status !== 200) throw new Error(`POST /ingest/envoy answered ${r.status}: ${r.text.slice(0, 300)}`);
    if (!measuring) continue;
    const j = JSON.parse(r.text);
    accepted += j.accepted;
    rejected += j.rejected;
    latencies.push(ms);
  }
}

const workers = Array.from({ length: connections }, worker);
await sleep(warmupSeconds * 1000);
measuring = true;
const started = process.hrtime.bigint();
await sleep(seconds * 1000);
const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
measuring = false;
stop = true;
await Promise.all(workers);
agent.destroy();
server.kill('SIGTERM');
await new Promise((r) => server.once('exit', r));

report({
  connections,
  batchLines: batch,
  seconds: round(elapsed, 2),
  linesAcceptedPerSec: round(accepted / elapsed),
  rejected,
  throttledResponses: throttled,
  requests: latencies.length,
  latencyMsP50: round(median(latencies), 1),
  latencyMsP99: round(percentile(latencies, 99), 1),
});
