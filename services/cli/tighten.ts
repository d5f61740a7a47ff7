/**
 * `meshguard tighten`: least-privilege ALLOW policies from the call graph in a file of access logs (event
 * time), one per destination workload, written as YAML to --policies-dir (`<ns>/<name>.yaml`), dry-run
 * unless --enforce. Warnings (callers left out, destinations skipped) go to stderr; the last line on
 * stdout is one JSON summary.
 */
import { createReadStream, accessSync, constants } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { loadConfig } from '../../config/load.js';
import { MeshguardError } from '../../pipelines/core/errors.js';
import type { InputFormat, ParseResult } from '../../pipelines/core/event.js';
import { CallGraph } from '../../pipelines/features/call-graph.js';
import { parseLine, parseOptionsOf } from '../../pipelines/parse/index.js';
import { buildAllowPolicies, type TightenPlan } from '../../pipelines/responders/least-privilege/istio.js';
import { validateAllowPolicy } from '../../pipelines/responders/least-privilege/validate.js';
import {
  buildConsulIntentions,
  buildLinkerdObjects,
} from '../../pipelines/responders/least-privilege/other-meshes.js';
import { usageError } from './args.js';

const FORMATS = ['auto', 'istio-json', 'envoy-text', 'otlp-json'] as const;
const MESHES = ['istio', 'linkerd', 'consul'] as const;

const HELP = `meshguard tighten --input FILE|- --policies-dir DIR [options]

Learns who calls whom from access logs and writes one least-privilege ALLOW policy per destination
workload (dry-run unless --enforce). The last line on stdout is a JSON summary.

  --input FILE|-        access logs, one record per line ('-' = stdin)
  --format F            auto (default), istio-json, envoy-text or otlp-json
  --since T, --until T  learn only from records in [since, until) (ISO-8601 or epoch milliseconds)
  --policies-dir DIR    where to write the policies (<namespace>/<name>.yaml)
  --mesh M              istio (default), linkerd (Server + AuthorizationPolicy + MeshTLSAuthentication,
                        dry-run = accessPolicy audit) or consul (ServiceIntentions; Consul has no dry-run)
  --l7                  also restrict each caller to the HTTP methods and path templates it used
  --enforce             write enforcing policies (default: istio.io/dry-run "true")
  --report FILE         write the skipped destinations and left-out callers as JSON
  --config FILE         a meshguard config file (trust domain, mesh hosts, protected namespaces)`;

export interface TightenSummary {
  events: number;
  rejected: number;
  destinations: number;
  edges: number;
  callersLeftOut: number;
  policiesWritten: number;
  destinationsSkipped: number;
  mode: 'dry-run' | 'enforce';
  mesh: string;
}

/** ISO-8601 or epoch milliseconds → epoch milliseconds. */
function parseTime(text: string | undefined, flag: string, absent: number): number {
  if (text === undefined) return absent;
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(ms))
    throw usageError(`tighten: ${flag} is not a time: "${text}" (ISO-8601 or epoch ms)`);
  return ms;
}

export async function runTighten(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      input: { type: 'string' },
      format: { type: 'string', default: 'auto' },
      since: { type: 'string' },
      until: { type: 'string' },
      'policies-dir': { type: 'string' },
      mesh: { type: 'string', default: 'istio' },
      l7: { type: 'boolean', default: false },
      enforce: { type: 'boolean', default: false },
      report: { type: 'string' },
      config: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (!values.input) throw usageError('tighten: --input FILE is required (use - for stdin)');
  if (!values['policies-dir']) throw usageError('tighten: --policies-dir DIR is required');
  if (!(FORMATS as readonly string[]).includes(values.format!))
    throw usageError(`tighten: --format must be one of ${FORMATS.join(', ')}, not "${values.format}"`);
  if (!(MESHES as readonly string[]).includes(values.mesh!))
    throw usageError(`tighten: --mesh must be one of ${MESHES.join(', ')}, not "${values.mesh}"`);
  const sinceMs = parseTime(values.since, '--since', Number.NEGATIVE_INFINITY);
  const untilMs = parseTime(values.until, '--until', Number.POSITIVE_INFINITY);
  if (sinceMs >= untilMs) throw usageError('tighten: --since must be before --until');
  if (values.input !== '-') {
    try {
      accessSync(values.input, constants.R_OK);
    } catch (error) {
      throw new MeshguardError(
        'MESHGUARD_ERR_INPUT',
        `tighten: cannot read --input ${values.input}: ${(error as Error).message}`,
      );
    }
  }
  const cfg = await loadConfig({ file: values.config, overrides: { redis: { url: '' } } });

  const graph = new CallGraph(undefined, { sinceMs, untilMs });
  const parseOpts = parseOptionsOf(cfg);
  const format = values.format as InputFormat | 'auto';
  let events = 0;
  let rejected = 0;
  const emit = (r: ParseResult): void => {
    if (!r.ok) {
      rejected++;
      return;
    }
    events++;
    graph.observe(r.event);
  };
  const stream = values.input === '-' ? process.stdin : createReadStream(values.input);
  for await (const line of createInterface({ input: stream, crlfDelay: Infinity }))
    if (line.trim() !== '') parseLine(line, format, parseOpts, emit);

  const destinations = graph.destinations();
  const dryRun = !values.enforce;
  const targetOpts = {
    dryRun,
    protectedNamespaces: [...cfg.quarantine.protected_namespaces, cfg.quarantine.own_namespace],
  };
  let plan: Omit<TightenPlan, 'policies'>;
  let written: number;
  if (values.mesh === 'istio') {
    const istio = buildAllowPolicies(destinations, { ...targetOpts, l7: values.l7 === true });
    written = await writeObjects(values['policies-dir'], istio.policies, validateAllowPolicy, false);
    plan = istio;
  } else {
    if (values.l7)
      process.stderr.write(
        `meshguard: warning: --l7 is written for Istio only; ${values.mesh} gets L4 rules\n`,
      );
    const other =
      values.mesh === 'linkerd'
        ? buildLinkerdObjects(destinations, targetOpts)
        : buildConsulIntentions(destinations, targetOpts);
    written = await writeObjects(values['policies-dir'], other.objects, async (o) => nameErrors(o), true);
    for (const note of other.notes) process.stderr.write(`meshguard: warning: ${note}\n`);
    plan = other;
  }
  warn(plan, rejected);
  if (values.report)
    await writeFile(
      values.report,
      `${JSON.stringify({ skipped: plan.skipped, leftOut: plan.leftOut, unresolvedHosts: graph.unresolvedHosts() }, null, 2)}\n`,
    );

  const summary: TightenSummary = {
    events,
    rejected,
    destinations: destinations.length,
    edges: destinations.reduce((n, d) => n + d.callers.size, 0),
    callersLeftOut: plan.leftOut.length,
    policiesWritten: written,
    destinationsSkipped: plan.skipped.length,
    mode: dryRun ? 'dry-run' : 'enforce',
    mesh: values.mesh!,
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  return 0;
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Names reach the file system and the API server: DNS-1123 labels only. */
function nameErrors(o: WritableObject): string[] {
  const { namespace, name } = o.metadata;
  return DNS1123_LABEL.test(namespace) && DNS1123_LABEL.test(name) && name.length <= 63
    ? []
    : [`${namespace}/${name} is not a DNS-1123 namespace/name`];
}

interface WritableObject {
  kind: string;
  metadata: { name: string; namespace: string; annotations: Record<string, string> };
}

/**
 * Validate then write each object atomically (temp file + rename) as `<dir>/<namespace>/<name>.yaml`, or
 * `<name>.<kind>.yaml` when several kinds share a name (Linkerd). An invalid one is reported, not written.
 */
async function writeObjects<T extends WritableObject>(
  dir: string,
  objects: readonly T[],
  validate: (o: T) => Promise<string[]>,
  kindInName: boolean,
): Promise<number> {
  let written = 0;
  for (const policy of objects) {
    const { namespace, name } = policy.metadata;
    const errors = [...nameErrors(policy), ...(await validate(policy))];
    if (errors.length > 0) {
      process.stderr.write(`meshguard: not writing ${namespace}/${name}: ${errors.join('; ')}\n`);
      continue;
    }
    const file = kindInName ? `${name}.${policy.kind.toLowerCase()}.yaml` : `${name}.yaml`;
    const path = join(dir, namespace, file);
    await mkdir(join(dir, namespace), { recursive: true });
    const undo = policy.metadata.annotations['meshguard.io/undo'];
    const text =
      `# Least privilege for ${namespace}/${name}, learned by meshguard tighten.\n` +
      (undo ? `# Undo: ${undo}\n` : '') +
      stringify(policy, { lineWidth: 0 });
    await writeFile(`${path}.tmp`, text, { mode: 0o644 });
    await rename(`${path}.tmp`, path);
    written++;
  }
  return written;
}

function warn(plan: Omit<TightenPlan, 'policies'>, rejected: number): void {
  const lines: string[] = [];
  if (rejected > 0) lines.push(`${rejected} records were rejected and taught nothing`);
  for (const s of plan.skipped) lines.push(`no policy for ${s.destination}: ${s.detail}`);
  // One line per caller, not per edge: an address-only caller usually calls several workloads.
  const byCaller = new Map<string, { destinations: string[]; reason: string }>();
  for (const l of plan.leftOut) {
    const c = byCaller.get(l.caller) ?? { destinations: [], reason: l.reason };
    c.destinations.push(l.destination);
    byCaller.set(l.caller, c);
  }
  for (const [caller, c] of byCaller)
    lines.push(
      `caller ${caller} left out of the policies of ${c.destinations.join(', ')}: ${c.reason}; ` +
        'it will be denied once they are enforced',
    );
  for (const line of lines) process.stderr.write(`meshguard: warning: ${line}\n`);
}
