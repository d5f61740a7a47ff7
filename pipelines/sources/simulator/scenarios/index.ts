/**
 * The scenario library: one explicit list, attacks first. A duplicate name fails at load (module
 * evaluation), like the component registry.
 */
import type { ScenarioDefinition } from '../scenario.js';
import { beaconing } from './beaconing.js';
import { bulkReadExfiltration } from './bulk-read-exfiltration.js';
import { cacheFlushStorm } from './cache-flush-storm.js';
import { canaryShift } from './canary-shift.js';
import { clientRetries } from './client-retries.js';
import { cloudMetadataAccess } from './cloud-metadata-access.js';
import { credentialStuffing } from './credential-stuffing.js';
import { encodedTraversal } from './encoded-traversal.js';
import { flashSale } from './flash-sale.js';
import { kubernetesApiAccess } from './kubernetes-api-access.js';
import { lateralMovement } from './lateral-movement.js';
import { learningPeriodPoisoning } from './learning-period-poisoning.js';
import { nightlyBatch } from './nightly-batch.js';
import { objectIdEnumeration } from './object-id-enumeration.js';
import { passthroughEgress } from './passthrough-egress.js';
import { pathScanning } from './path-scanning.js';
import { plaintextInStrictMtls } from './plaintext-in-strict-mtls.js';
import { queryXss } from './query-xss.js';
import { rampingExfiltration } from './ramping-exfiltration.js';
import { rbacProbing } from './rbac-probing.js';
import { rolloutNewDependency } from './rollout-new-dependency.js';
import { searchHardCases } from './search-hard-cases.js';
import { slowSqlInjection } from './slow-sql-injection.js';
import { slowDripUpload } from './slow-drip-upload.js';
import { tokenReplay } from './token-replay.js';
import { trafficSurge } from './traffic-surge.js';
import { upstreamOutage } from './upstream-outage.js';
import { vulnerabilityScanner } from './vulnerability-scanner.js';
import { tcpPasswordGuessing } from './tcp-password-guessing.js';
import { hostSweep, portSweep } from './network-sweep.js';
import { singleFlowRead } from './single-flow-read.js';
import { scanThenExfiltration } from './scan-then-exfiltration.js';
import { tcpDependencyOutage } from './tcp-dependency-outage.js';
import { passthroughLateralMovement } from './passthrough-lateral-movement.js';
import {
  misconfiguredClient,
  slowCredentialGuessing10s,
  slowCredentialGuessing2s,
  slowPathScan10s,
  slowPathScan2s,
  slowPortSweep10s,
  slowPortSweep2s,
  slowTcpPasswordGuessing20s,
} from './slow-and-low.js';

/**
 * Slow-and-low shapes: each takes five to twenty minutes, so a run of the whole library would shorten
 * them to nothing. They are left out of the default run (and of the fixed-seed corpora) and played by
 * the evaluation's own slow-and-low runs; name them to play them anywhere else.
 */
const SLOW: readonly ScenarioDefinition[] = [
  slowCredentialGuessing10s,
  slowCredentialGuessing2s,
  slowPathScan10s,
  slowPathScan2s,
  slowPortSweep10s,
  slowPortSweep2s,
  slowTcpPasswordGuessing20s,
  misconfiguredClient,
];

export const SCENARIOS: readonly ScenarioDefinition[] = [
  credentialStuffing,
  tokenReplay,
  objectIdEnumeration,
  pathScanning,
  rbacProbing,
  lateralMovement,
  bulkReadExfiltration,
  slowDripUpload,
  beaconing,
  cloudMetadataAccess,
  kubernetesApiAccess,
  plaintextInStrictMtls,
  passthroughEgress,
  slowSqlInjection,
  encodedTraversal,
  queryXss,
  vulnerabilityScanner,
  tcpPasswordGuessing,
  portSweep,
  hostSweep,
  singleFlowRead,
  scanThenExfiltration,
  passthroughLateralMovement,
  trafficSurge,
  flashSale,
  upstreamOutage,
  rolloutNewDependency,
  canaryShift,
  nightlyBatch,
  cacheFlushStorm,
  clientRetries,
  searchHardCases,
  tcpDependencyOutage,
  learningPeriodPoisoning,
  rampingExfiltration,
  ...SLOW,
];

const byName = new Map<string, ScenarioDefinition>();
for (const s of SCENARIOS) {
  if (byName.has(s.name)) throw new Error(`duplicate scenario name "${s.name}"`);
  byName.set(s.name, s);
}

export function scenarioByName(name: string): ScenarioDefinition | undefined {
  return byName.get(name);
}

const DEFAULT_RUN = SCENARIOS.filter((s) => !SLOW.includes(s));
/** The attacks and benign hard cases a run plays when none are named (the slow shapes are not among them). */
export const ATTACK_SCENARIOS: readonly string[] = DEFAULT_RUN.filter((s) => s.attack).map((s) => s.name);
export const BENIGN_SCENARIOS: readonly string[] = DEFAULT_RUN.filter((s) => !s.attack).map((s) => s.name);
export const SLOW_ATTACK_SCENARIOS: readonly string[] = SLOW.filter((s) => s.attack).map((s) => s.name);
export const SLOW_BENIGN_SCENARIOS: readonly string[] = SLOW.filter((s) => !s.attack).map((s) => s.name);
