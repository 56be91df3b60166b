import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // Unit tests sit beside the code; dist/ holds only compiled sources.
    include: ['src/**/*.test.ts'],
  },
})
