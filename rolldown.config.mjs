// The shipped CLI: tsc's modules (dist/) bundled into dist/bin/, so a run resolves and compiles a handful of
// files instead of ~150 (yargs alone is ~40): the CLI is ready ~80 ms sooner. Minified, since V8 parses all
// of it at start-up (another ~15 ms); with --enable-source-maps, stack traces point into tsc's modules again.
// The reading thread is its own bundle, dist/bin/range-worker.cjs (pool.ts starts it), with only the reading
// code: CommonJS, whole in one file, so a thread starts without the ES module loader (~6 ms sooner each).

/**
 * string-width (yargs lays out its help with it) costs every command ~45 ms of ICU work as it loads, for
 * help text most runs never print: it builds an Intl.Segmenter (break-iterator data, ~25 ms), and V8
 * checks its `/^\p{RGI_Emoji}$/v` while parsing the file, which builds the set of every emoji sequence
 * (~20 ms). In dependencies, both become stand-ins that build the real object on first use.
 * test/cli/usage.test.ts checks the bundle and that starting a command builds no segmenter.
 */
export const lazy = (make) =>
  `(() => { let o; const real = () => (o ??= ${make}); return new Proxy({}, { get: (_, k) => { const v = real()[k]; return typeof v === "function" ? v.bind(real()) : v; }, set: (_, k, v) => { real()[k] = v; return true; } }); })()`;
/** A regex literal using a property of strings (only the `v` flag has them): the costly ones to parse. */
export const STRING_PROPERTY_REGEX = /\/((?:\\.|\[(?:\\.|[^\]\\\n])*\]|[^/\\\n[])+)\/([dgimsuy]*v[dgimsuy]*)/g;
export const STRING_PROPERTIES = /\\p\{(?:RGI_Emoji|Basic_Emoji|Emoji_Keycap_Sequence)/;
const lazyIcu = {
  name: 'lazy-icu',
  transform(code, id) {
    if (!id.includes('node_modules')) return null;
    let out = code.replaceAll('new Intl.Segmenter()', lazy('new Intl.Segmenter()'));
    out = out.replace(STRING_PROPERTY_REGEX, (lit, source, flags) =>
      STRING_PROPERTIES.test(source) ? lazy(`new RegExp(${JSON.stringify(source)}, ${JSON.stringify(flags)})`) : lit,
    );
    return out === code ? null : { code: out, map: null };
  },
};

// Native, or loaded only for a PostgreSQL store: left to node_modules.
const external = ['better-sqlite3', 'pg'];

export default [
  {
    input: { errscan: 'dist/cli/main.js' },
    platform: 'node',
    external,
    plugins: [lazyIcu],
    output: { dir: 'dist/bin', format: 'esm', entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js', cleanDir: true, minify: true, sourcemap: true },
  },
  {
    input: { 'range-worker': 'dist/pipeline/range-worker.js' },
    platform: 'node',
    external,
    // strict: the sources are ES modules, strict by definition; as CommonJS they would run sloppy without it.
    output: { dir: 'dist/bin', format: 'cjs', entryFileNames: '[name].cjs', codeSplitting: false, strict: true, minify: true, sourcemap: true },
  },
];
