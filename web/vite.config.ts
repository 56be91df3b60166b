import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'
import { VitePWA } from 'vite-plugin-pwa'

/** Where `pnpm dev` forwards API and sync traffic; the Fastify server's default address. */
const serverOrigin = process.env.TANDEM_SERVER ?? 'http://127.0.0.1:3000'

/**
 * The feature folders' public entries (`src/collab/index.ts`…). They only re-export; saying so lets
 * the bundler take from one just what a page uses, so the home page gets collab's REST helpers
 * and recent-documents list without the Yjs and editor code that only the document page needs.
 */
const PUBLIC_ENTRY = /\/src\/(collab|editor|history|presence|search|transfer)\/index\.ts$/

/** Server paths that must always reach the network, never the cached app shell. */
const serverOnlyPaths = [/^\/api\//, /^\/sync\//, /^\/metrics/, /^\/healthz/, /^\/readyz/]

export default defineConfig({
  plugins: [
    react(),
    VitePWA({
      registerType: 'autoUpdate',
      // Registered from src/serviceWorker.ts, which offers a reload when a new build takes over.
      injectRegister: false,
      strategies: 'generateSW',
      manifest: {
        name: 'Tandem',
        short_name: 'Tandem',
        description: 'Write together, in real time.',
        theme_color: '#2f5d50',
        background_color: '#fbfaf7',
        display: 'standalone',
        start_url: '/',
        icons: [{ src: '/icon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' }],
      },
      workbox: {
        globPatterns: ['**/*.{js,css,html,svg,png,ico,webmanifest}'],
        navigateFallback: 'index.html',
        navigateFallbackDenylist: serverOnlyPaths,
        cleanupOutdatedCaches: true,
        clientsClaim: true,
        skipWaiting: true,
        maximumFileSizeToCacheInBytes: 4 * 1024 * 1024,
      },
    }),
  ],
  resolve: {
    // One copy of each: two Yjs or ProseMirror instances silently break sync and the editor.
    dedupe: [
      'yjs',
      'y-protocols',
      'lib0',
      '@tiptap/pm',
      '@tiptap/core',
      '@tiptap/y-tiptap',
      'react',
      'react-dom',
    ],
  },
  server: {
    proxy: {
      '/api': { target: serverOrigin, changeOrigin: true },
      '/sync': { target: serverOrigin, ws: true, changeOrigin: true },
    },
  },
  build: {
    sourcemap: true,
    rolldownOptions: {
      // Everything else keeps the default (side effects unless proven otherwise).
      treeshake: { moduleSideEffects: (id) => (PUBLIC_ENTRY.test(id) ? false : undefined) },
    },
    // The editor chunk (ProseMirror, Tiptap, Yjs) is ~550 kB minified, ~170 kB gzipped.
    chunkSizeWarningLimit: 700,
  },
})
