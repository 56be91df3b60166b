import { builtinModules } from 'node:module'
import js from '@eslint/js'
import globals from 'globals'
import tseslint from 'typescript-eslint'

/** The feature folders of the web app; each is used from outside only through its index.ts. */
const WEB_FEATURES = ['collab', 'editor', 'presence', 'history', 'transfer', 'search']

const NO_NODE = 'The web app runs in browsers: no Node modules.'

/** Node's built-in modules by exact name (`fs`, `fs/promises`, `path`…), for the web app. */
const nodeBuiltins = builtinModules.map((name) => ({ name, message: NO_NODE }))

/** Patterns no web file may import: `node:*`, and lib0's codec primitives. */
const webBase = [
  { regex: '^node:', message: NO_NODE },
  {
    group: ['lib0/encoding', 'lib0/decoding'],
    message: 'Protocol messages are built and read by the codec in @tandem/shared.',
  },
]

/** The router and the pages: route-level wiring stays in pages/, out of the feature folders. */
const routerGroup = {
  regex: String.raw`^(\.\./)+(navigation|App|main|pages(/.*)?)$`,
  message: 'Feature folders do not reach into the router or pages; wire it up in pages/.',
}

/** Deep imports into the feature folders in `features` (their public index.ts stays allowed). */
const featureInternals = (features) => ({
  regex: String.raw`^(\.\./)+(${features.join('|')})/.+`,
  message: 'Import another feature folder through its public entry (e.g. "../collab").',
})

/** A no-restricted-imports rule: Node built-ins, the base web patterns, plus `extra`. */
const webImports = (...extra) => [
  'error',
  { paths: nodeBuiltins, patterns: [...webBase, ...extra] },
]

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      'data/**',
      'coverage/**',
      '**/test-results/**',
      '**/playwright-report/**',
      'bench/results/**',
      'web/dev-dist/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: { ...globals.node },
    },
    rules: {
      'no-console': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['web/src/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    // Pages, shared components and the app shell use feature folders only through their index.
    rules: { 'no-restricted-imports': webImports(featureInternals(WEB_FEATURES)) },
  },
  // Each feature folder: its own files freely; the others only through their index; never the
  // router or the pages.
  ...WEB_FEATURES.map((feature) => ({
    files: [`web/src/${feature}/**/*.{ts,tsx}`],
    rules: {
      'no-restricted-imports': webImports(
        routerGroup,
        featureInternals(WEB_FEATURES.filter((other) => other !== feature)),
      ),
    },
  })),
  {
    // Shared UI pieces serve the pages, never the other way round.
    files: ['web/src/components/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': webImports(featureInternals(WEB_FEATURES), {
        regex: String.raw`^(\.\./)+(App|main|pages(/.*)?)$`,
        message: 'Shared components do not import pages or the app shell.',
      }),
    },
  },
  {
    // The e2e suite drives the built app as a user would; it never imports the app's source.
    files: ['e2e/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: String.raw`(^|/)web/src(/|$)|^@tandem/web(/|$)`,
              message: 'e2e tests drive the built app; unit-test web code beside it instead.',
            },
          ],
        },
      ],
    },
  },
  {
    // One file per REST resource: a route file does not import another; shared code lives
    // outside routes/.
    files: ['server/src/routes/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: String.raw`^\./[^/]+$`,
              message: 'Route files do not import each other; move shared code out of routes/.',
            },
          ],
        },
      ],
    },
  },
  {
    // Command-line tools print their results to the terminal.
    files: ['bench/**/*.{ts,mjs,js}', 'scripts/**/*.mjs', 'e2e/**/*.ts', 'server/test/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
)
