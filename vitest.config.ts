import { defineConfig } from 'vitest/config';

// Tests that start real services (Kafka, Redis, Prometheus, Chromium, `meshguard serve`) and hold
// wall-clock deadlines run one file at a time, after the rest, with the machine to themselves.
const SERVICE_TESTS = [
  'test/integration/**/*.test.ts',
  'test/fuzz/**/*.test.ts',
  'test/browser/**/*.test.ts',
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
          name: 'in-process',
          include: ['test/**/*.test.ts'],
          exclude: SERVICE_TESTS,
          // CPU-bound replays and unit tests: one worker per core.
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'services',
          include: SERVICE_TESTS,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
