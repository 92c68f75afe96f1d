#!/usr/bin/env node
// A build step: writes the scanner's WebAssembly modules (src/records/scanner.ts assembles them) beside the
// bundle, in dist/bin/scanner-wasm.json, so a reading thread compiles them without first running the
// assembler (~7 ms of cold code at each thread's start-up). test/records/scanner.test.ts checks the file
// against the assembler.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { WASM_VARIANTS, wasmModuleBytes } from '../dist/records/scanner.js';

const out = fileURLToPath(new URL('../dist/bin/scanner-wasm.json', import.meta.url));
const modules = Object.fromEntries(WASM_VARIANTS.map((v) => [v.key, Buffer.from(wasmModuleBytes(v.sets, v.relaxed)).toString('base64')]));
fs.writeFileSync(out, `${JSON.stringify(modules, null, 2)}\n`);
