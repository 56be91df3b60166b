import { defineConfig } from 'vitest/config'

/**
 * Several instances at once (test/cluster/): each file starts three server processes on one
 * PostgreSQL database and a private redis-server. Run after the rest, one file at a time, so they
 * do not compete for the machine's cores with other tests or with each other.
 */
export default defineConfig({
  test: {
    include: ['test/cluster/**/*.test.ts'],
    globalSetup: ['test/globalSetup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    fileParallelism: false,
    reporters: ['default'],
  },
})
