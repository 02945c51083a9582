import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { workletSource } from './build/workletSource.js';

const root = fileURLToPath(new URL('./demo-game/', import.meta.url));

// The demo game is the Vite app (served by `npm start` through the server on one origin). `vite build --mode lib`
// builds the library instead (see package.json "build").
export default defineConfig(({ mode }) =>
  mode === 'lib'
    ? {
        plugins: [workletSource()],
        // Worklet modules are emitted as files next to the library and found relative to it at run time, so the
        // consuming game's bundler or server needs no configuration.
        experimental: { renderBuiltUrl: () => ({ relative: true }) },
        build: {
          outDir: fileURLToPath(new URL('./dist/', import.meta.url)),
          emptyOutDir: true,
          lib: {
            entry: {
              index: fileURLToPath(new URL('./plugin/index.ts', import.meta.url)),
              testing: fileURLToPath(new URL('./plugin/testing/index.ts', import.meta.url)),
            },
            formats: ['es'],
          },
          rollupOptions: { external: [/^phaser/, /^howler/, /^@openai\/agents-realtime/, /^zod/] },
        },
      }
    : {
        root,
        plugins: [workletSource()],
        publicDir: fileURLToPath(new URL('./assets/', import.meta.url)),
        server: { host: '127.0.0.1' },
        // Pre-bundle everything up front, including what the plugin imports lazily (the Realtime SDK): a dependency
        // Vite discovers mid-session makes it re-optimise and reload the page.
        optimizeDeps: { include: ['phaser', 'howler', '@openai/agents-realtime', 'zod', 'zod/mini'] },
      },
);
