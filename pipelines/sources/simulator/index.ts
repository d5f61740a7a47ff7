/**
 * Mesh traffic simulator: a seeded, labeled Istio access-log generator for demos, evaluation and tests,
 * and a live source of that traffic. See README.md.
 */
import type { Factory } from '../../core/component.js';
import { SimulatorConfig } from './config.js';
import { SimulatorSource } from './source.js';

export { MeshSimulator, type GroundTruth, type ScheduleOptions, type SimulatorOptions } from './simulator.js';
export {
  SCENARIOS,
  ATTACK_SCENARIOS,
  BENIGN_SCENARIOS,
  SLOW_ATTACK_SCENARIOS,
  SLOW_BENIGN_SCENARIOS,
  scenarioByName,
} from './scenarios/index.js';
export type { ScenarioDefinition, ScenarioContext, ScenarioPlan } from './scenario.js';
export type { Topology, Workload, Edge, ExternalHost, Pod } from './topology.js';
export { ISTIO_JSON_KEYS, type AccessRecord, type RenderOptions } from './records.js';
export { FORMAT_OF_MESH, SIM_MESHES, type SimMesh } from './renderers.js';
export { planRun, simulateInto, type RunOptions, type RunPlan } from './run.js';
export { Rng, mixSeed } from './prng.js';
export { SimulatorConfig } from './config.js';
export { SimulatorSource } from './source.js';

export const factory: Factory<'source', typeof SimulatorConfig, SimulatorSource> = {
  kind: 'source',
  type: 'simulator',
  configSchema: SimulatorConfig,
  create(config, settings) {
    return new SimulatorSource(config, settings);
  },
};
