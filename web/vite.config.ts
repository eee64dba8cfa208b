import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

// The UI imports the server's enums and response types from ../src, so names and enum case cannot drift.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  // Relative asset paths: the same build serves at / and under a path of the platform's site (UI_BASE_PATH, e.g. /mailing/).
  // UI_BUILD_BASE=/mailing/ builds absolute paths instead, for a copy the platform hosts itself.
  base: process.env.UI_BUILD_BASE ?? './',
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 800 },
  server: { proxy: { '/api': 'http://127.0.0.1:8080' } },
});
