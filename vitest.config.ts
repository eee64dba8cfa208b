import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Each file gets its own database (PGlite in memory, or a fresh PostgreSQL database); two cores here.
    maxWorkers: 2,
  },
});
