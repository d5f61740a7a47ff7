/**
 * Mesh traffic simulator: a seeded, labeled Istio access-log generator for demos, evaluation and tests.
 * See README.md.
 */
export { MeshSimulator, type GroundTruth, type ScheduleOptions, type SimulatorOptions } from './simulator.js';
export { SCENARIOS, ATTACK_SCENARIOS, BENIGN_SCENARIOS, scenarioByName } from './scenarios/index.js';
export type { ScenarioDefinition, ScenarioContext, ScenarioPlan } from './scenario.js';
export type { Topology, Workload, Edge, ExternalHost, Pod } from './topology.js';
export { ISTIO_JSON_KEYS, type AccessRecord, type RenderOptions } from './records.js';
export { planRun, simulateInto, type RunOptions, type RunPlan } from './run.js';
export { Rng, mixSeed } from './prng.js';
