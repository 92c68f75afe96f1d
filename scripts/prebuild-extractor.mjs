#!/usr/bin/env node
// A build step: writes the shipped catalogs' compiled extractor beside the bundle, in
// dist/bin/extractor-snapshot.json (src/extract/snapshot.ts), so a run restores it instead of compiling the
// catalogs (30-40 ms of cold code on each reading thread). test/extract/snapshot.test.ts checks the file
// against a fresh compilation.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { unvalidatedShippedCatalogs } from '../dist/catalog/files.js';
import { catalogSet } from '../dist/catalog/set.js';
import { CompiledExtractor } from '../dist/extract/index.js';
import { snapshotExtractor, snapshotText } from '../dist/extract/snapshot.js';

const set = catalogSet(unvalidatedShippedCatalogs());
const out = fileURLToPath(new URL('../dist/bin/extractor-snapshot.json', import.meta.url));
fs.writeFileSync(out, snapshotText(snapshotExtractor(set, new CompiledExtractor(set))));
