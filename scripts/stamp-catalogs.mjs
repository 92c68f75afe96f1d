#!/usr/bin/env node
// The last build step: validates the shipped catalogs with the built loader and records the SHA-256 of each
// file's text in dist/bin/validated-catalogs.json, with the Node version that validated them (whether a regex
// compiles depends on it; under another version every catalog is validated as it loads). A command that reads
// the same text skips the validator (~12 ms of every start-up); an edited or added catalog is validated as it
// loads. A shipped catalog that fails validation fails the build.
import fs from 'node:fs';
import { builtinCatalogDir, catalogFiles, readCatalogText } from '../dist/catalog/files.js';
import { STAMP_FILE, catalogHash, validateCatalog } from '../dist/catalog/index.js';

const hashes = [];
for (const file of catalogFiles(builtinCatalogDir())) {
  const text = readCatalogText(file);
  try {
    validateCatalog(JSON.parse(text), file, text);
  } catch (e) {
    console.error(`stamp-catalogs: ${file}: ${e.message}`);
    process.exit(1);
  }
  hashes.push(catalogHash(text));
}
fs.writeFileSync(STAMP_FILE, `${JSON.stringify({ node: process.version, sha256: hashes }, null, 2)}\n`);
