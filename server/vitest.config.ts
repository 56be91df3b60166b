import { configDefaults, defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // Unit tests sit beside their modules in src/; integration tests live in test/.
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Several server processes at once: their own run, after this one (vitest.cluster.config.ts).
    exclude: ['test/cluster/**', ...configDefaults.exclude],
    globalSetup: ['test/globalSetup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Two cores: run files in parallel processes, tests within a file in order.
    pool: 'forks',
    reporters: ['default'],
  },
})
