import { defineConfig } from 'vitest/config';

// Tests that hold wall-clock deadlines (faults, soak, ingest DoS, hostile input against a live
// service) run one file at a time after the rest, with the machine to themselves.
const DEADLINE_TESTS = [
  'test/integration/faults-*.test.ts',
  'test/integration/soak.test.ts',
  'test/integration/ingest-dos.test.ts',
  'test/fuzz/**/*.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Rebuilds docs/reliability.md from every reliability test's recorded outcome after the run.
    globalSetup: ['test/reliability.setup.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'main',
          include: ['test/**/*.test.ts'],
          exclude: DEADLINE_TESTS,
          // One worker per core: replays are CPU-bound, service tests mostly wait on their services.
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'deadlines',
          include: DEADLINE_TESTS,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
