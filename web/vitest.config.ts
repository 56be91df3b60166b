import { defineConfig } from 'vitest/config'

// Unit tests for logic that needs no browser; they sit beside the code (src/**/*.test.ts). A
// config of its own so the tests do not load the app's build plugins (React, PWA).
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
})
