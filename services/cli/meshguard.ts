/**
 * The `meshguard` command. Each subcommand lives in its own module and is imported only when used, so
 * `replay` does not pay for Fastify, kafkajs or TensorFlow.js at start-up. Only main() exits.
 */
import { MeshguardError } from '../../pipelines/core/errors.js';
import { enableTracing, tracingRequested } from '../../pipelines/core/tracing.js';

const USAGE = `meshguard: watch Istio mesh traffic, find attacks, respond with guardrails.

Usage:
  meshguard demo [--duration 60s] [--port 8080] [--config FILE]
  meshguard replay --input FILE|- [--format auto|istio-json|envoy-text|otlp-json] --incidents OUT.jsonl
                   [--policies-dir DIR] [--rejected FILE] [--config FILE]
  meshguard score-series --input IN.csv --output OUT.csv
  meshguard tighten --input FILE --policies-dir DIR [--since T] [--until T] [--mesh istio] [--l7]
  meshguard serve [--config FILE] [--role ingest|scorer|all] [--port N]
  meshguard simulate [--duration 30m] [--seed 1] [--output FILE|-] [--labels FILE.json] ...
  meshguard train --input baseline.jsonl --output MODEL_DIR [--epochs 30]
  meshguard eval [--output docs/evaluation.md]

Run 'meshguard <command> --help' for the options of one command.`;

type Command = (argv: string[]) => Promise<number>;

const LONG_RUNNING = new Set(['serve', 'demo']);

const COMMANDS: Record<string, () => Promise<Command>> = {
  demo: async () => (await import('./demo.js')).runDemo,
  replay: async () => (await import('./replay.js')).runReplay,
  'score-series': async () => (await import('./score-series.js')).runScoreSeries,
  serve: async () => (await import('./serve.js')).runServe,
  simulate: async () => (await import('./simulate.js')).runSimulate,
  train: async () => (await import('./train.js')).runTrain,
  eval: async () => (await import('./eval.js')).runEval,
  tighten: async () => (await import('./tighten.js')).runTighten,
};

export async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  let code = 0;
  try {
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      process.stdout.write(`${USAGE}\n`);
    } else if (name === '--version' || name === 'version') {
      process.stdout.write('meshguard 0.1.0\n');
    } else {
      const load = COMMANDS[name];
      if (!load) throw new MeshguardError('MESHGUARD_ERR_CLI_USAGE', `unknown command "${name}"\n\n${USAGE}`);
      // The services trace always (spans are no-ops without an SDK); batch commands only when asked.
      if (LONG_RUNNING.has(name) || tracingRequested()) await enableTracing();
      code = await (await load())(rest);
    }
  } catch (error) {
    const nodeCode = (error as { code?: unknown }).code;
    if (error instanceof MeshguardError) {
      process.stderr.write(`meshguard: ${error.message} [${error.code}]\n`);
      code = 2;
    } else if (typeof nodeCode === 'string' && nodeCode.startsWith('ERR_PARSE_ARGS')) {
      // node:util parseArgs: an unknown or malformed option is a usage error, not a crash.
      process.stderr.write(
        `meshguard: ${(error as Error).message} (see 'meshguard ${name} --help') [MESHGUARD_ERR_CLI_USAGE]\n`,
      );
      code = 2;
    } else {
      process.stderr.write(`meshguard: ${(error as Error).stack ?? String(error)}\n`);
      code = 1;
    }
  }
  // Let stdout drain before exiting (replay's last line must not be cut off).
  process.stdout.write('', () => process.exit(code));
}
