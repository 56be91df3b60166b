import fs from 'node:fs'
import { execFileSync } from 'node:child_process'
import { defineConfig, devices } from '@playwright/test'

/** Debian's Chromium when installed (CI installs it), otherwise Playwright's own browser. */
function systemChromium(): string | undefined {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH
  for (const candidate of ['/usr/bin/chromium', '/usr/bin/chromium-browser']) {
    if (fs.existsSync(candidate)) return candidate
  }
  try {
    const found = execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim()
    return found || undefined
  } catch {
    return undefined
  }
}

const executablePath = systemChromium()

export default defineConfig({
  testDir: 'tests',
  globalSetup: './fixtures/globalSetup.ts',
  fullyParallel: true,
  // Two cores: each test drives a server and two or three browser contexts.
  workers: 2,
  retries: 0,
  reporter: 'list',
  // Generous for a loaded 2-core machine; a passing test takes 4–10 s.
  timeout: 60_000,
  expect: { timeout: 15_000 },
  outputDir: 'test-results',
  use: {
    ...devices['Desktop Chrome'],
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      ...(executablePath ? { executablePath } : {}),
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
})
