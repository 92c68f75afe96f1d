// The shipped CLI: tsc's modules (dist/) bundled into dist/bin/, so a run resolves and compiles a handful of
// files instead of ~150 (yargs alone is ~40): the CLI is ready ~80 ms sooner. Minified, since V8 parses all
// of it at start-up (another ~15 ms); with --enable-source-maps, stack traces point into tsc's modules again.
// The reading thread is its own entry (pool.ts starts `./range-worker.js` beside it) and loads only the
// reading code.
export default {
  input: { errscan: 'dist/cli/main.js', 'range-worker': 'dist/pipeline/range-worker.js' },
  platform: 'node',
  // Native, or loaded only for a PostgreSQL store: left to node_modules.
  external: ['better-sqlite3', 'pg'],
  output: { dir: 'dist/bin', format: 'esm', entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js', cleanDir: true, minify: true, sourcemap: true },
};
