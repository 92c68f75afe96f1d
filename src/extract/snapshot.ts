// A compiled extractor as data, and back. The build writes the shipped catalogs' extractor beside the
// bundle (scripts/prebuild-extractor.mjs); a run restores it instead of compiling the catalogs (30-40 ms of
// cold code on each reading thread of a parallel ingest, at the start, on cores the main thread needs too).
//
// The snapshot is the objects' own JSON, with what JSON cannot hold (RegExps, typed arrays, Maps, class
// instances, undefined, shared wordings) left as null and listed apart, by path: JSON.parse then does nearly
// all the work natively, and only those values are made again.
//
// Exactness: the snapshot holds every field of the compiled objects; test/extract/snapshot.test.ts checks
// that a restored extractor equals the compiled one, field by field, and finds the same hits. The file is
// used only for exactly the catalogs it was made from (their JSON text is in it) and this format version.
import fs from 'node:fs';
import type { CatalogSet } from '../catalog/set.js';
import { CompiledExtractor } from './index.js';
import { LiteralMatcher } from './literals.js';
import { MessageIndex, type MessageDef } from './messages.js';

/** Bump when a snapshotted class changes its fields or this format changes. */
export const SNAPSHOT_VERSION = 1;

/** Beside the bundle only (like scanner-wasm.json): tsc's modules find no file and compile. */
export const PREBUILT_EXTRACTOR = new URL('./extractor-snapshot.json', import.meta.url);

/**
 * A value JSON cannot hold, at `path` (keys and indices from the root): made again after JSON.parse, the
 * deepest first, so a class instance is made from fields that are already whole.
 */
type Special =
  | { path: Array<string | number>; re: [string, string] }
  | { path: Array<string | number>; typed: [string, string] }
  | { path: Array<string | number>; map: true }
  | { path: Array<string | number>; number: string }
  | { path: Array<string | number>; undef: true }
  | { path: Array<string | number>; catalogs: true }
  | { path: Array<string | number>; defs: number[][] }
  | { path: Array<string | number>; instance: string };

export interface ExtractorSnapshot {
  version: number;
  /** JSON.stringify of the catalog set's vendors it was compiled from. */
  vendors: string;
  tree: unknown;
  specials: Special[];
}

type Ctor = { prototype: object };
// Built on first use: index.ts imports this module, so its class is not defined yet when this one loads.
let classes: Record<string, Ctor> | undefined;
const CLASSES = (): Record<string, Ctor> => (classes ??= { CompiledExtractor, MessageIndex, LiteralMatcher });
const TYPED: Record<string, new (b: ArrayBuffer) => ArrayBufferView> = { Int32Array, Uint8Array, Uint16Array, Float64Array };

function encode(v: unknown, path: Array<string | number>, specials: Special[]): unknown {
  if (v === undefined) {
    specials.push({ path, undef: true });
    return null;
  }
  if (typeof v === 'number') {
    if (Number.isFinite(v) && !Object.is(v, -0)) return v;
    specials.push({ path, number: String(v) });
    return null;
  }
  if (typeof v === 'function' || typeof v === 'symbol' || typeof v === 'bigint') throw new Error(`cannot snapshot a ${typeof v} at ${path.join('.')}`);
  if (v === null || typeof v !== 'object') return v;
  if (v instanceof RegExp) {
    specials.push({ path, re: [v.source, v.flags] });
    return null;
  }
  if (v instanceof Map) {
    const entries = [...v].map(([k, x], i) => [encode(k, [...path, i, 0], specials), encode(x, [...path, i, 1], specials)]);
    specials.push({ path, map: true });
    return entries;
  }
  if (ArrayBuffer.isView(v)) {
    const name = v.constructor.name;
    if (!(name in TYPED)) throw new Error(`cannot snapshot a ${name} at ${path.join('.')}`);
    specials.push({ path, typed: [name, Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64')] });
    return null;
  }
  if (Array.isArray(v)) return v.map((x, i) => encode(x, [...path, i], specials));
  const proto = Object.getPrototypeOf(v) as object | null;
  let name: string | undefined;
  if (proto !== Object.prototype) {
    name = Object.entries(CLASSES()).find(([, c]) => c.prototype === proto)?.[0];
    if (name === undefined) throw new Error(`cannot snapshot a ${(v as object).constructor?.name ?? 'null-prototype object'} at ${path.join('.')}`);
  }
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (name === 'CompiledExtractor' && k === 'set') {
      specials.push({ path: [...path, k], catalogs: true });
      out[k] = null;
    } else if (name === 'MessageIndex' && k === 'byKeyWord') {
      // Each wording once: the index lists them by id.
      specials.push({ path: [...path, k], defs: (x as MessageDef[][]).map((ds) => ds.map((d) => d.id)) });
      out[k] = null;
    } else out[k] = encode(x, [...path, k], specials);
  }
  // After its fields' own specials: it is made from them once they are whole.
  if (name !== undefined) specials.push({ path, instance: name });
  return out;
}

/** The snapshot of an extractor compiled from `set` (before it has read any line). */
export function snapshotExtractor(set: CatalogSet, x: CompiledExtractor): ExtractorSnapshot {
  const specials: Special[] = [];
  const tree = encode(x, [], specials);
  return { version: SNAPSHOT_VERSION, vendors: JSON.stringify(set.vendors), tree, specials };
}

/** The extractor a snapshot holds, for `set`; undefined when it was made from other catalogs or format. */
export function restoreExtractor(set: CatalogSet, snap: ExtractorSnapshot, vendorsJson = JSON.stringify(set.vendors)): CompiledExtractor | undefined {
  if (snap.version !== SNAPSHOT_VERSION || snap.vendors !== vendorsJson) return undefined;
  const root = { tree: snap.tree };
  for (const s of snap.specials) {
    let parent = root as Record<string | number, unknown>;
    let key: string | number = 'tree';
    for (const p of s.path) {
      parent = parent[key] as Record<string | number, unknown>;
      key = p;
    }
    const here = parent[key];
    if ('re' in s) parent[key] = new RegExp(s.re[0], s.re[1]);
    else if ('typed' in s) {
      const b = Buffer.from(s.typed[1], 'base64');
      // A copy: a typed array needs its own, aligned buffer (Buffer.from may hand out a slice of a pool).
      parent[key] = new TYPED[s.typed[0]]!(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
    } else if ('map' in s) parent[key] = new Map(here as Array<[unknown, unknown]>);
    else if ('number' in s) parent[key] = Number(s.number);
    else if ('undef' in s) parent[key] = undefined;
    else if ('catalogs' in s) parent[key] = set;
    else if ('defs' in s) {
      const defs = (parent as unknown as { defs: MessageDef[] }).defs;
      parent[key] = s.defs.map((ids) => ids.map((id) => defs[id]!));
    } else {
      const cls = CLASSES()[s.instance];
      if (cls === undefined) throw new Error(`unknown class ${s.instance} in snapshot`);
      const inst = Object.create(cls.prototype) as Record<string, unknown>;
      const fields = here as Record<string, unknown>;
      for (const k in fields) inst[k] = fields[k];
      parent[key] = inst;
    }
  }
  return root.tree instanceof CompiledExtractor ? root.tree : undefined;
}

let prebuilt: ExtractorSnapshot | null | undefined;

/** The build's snapshot, if there is one beside this module and it was made from `set`'s catalogs. */
export function prebuiltExtractor(set: CatalogSet, vendorsJson?: string): CompiledExtractor | undefined {
  if (prebuilt === undefined) {
    try {
      // ASCII only (the build escapes the rest): latin1 is the cheaper read.
      prebuilt = JSON.parse(fs.readFileSync(PREBUILT_EXTRACTOR, 'latin1')) as ExtractorSnapshot;
    } catch {
      prebuilt = null;
    }
  }
  if (prebuilt === null) return undefined;
  const snap = prebuilt;
  // Once either way: restoring makes the parsed tree itself into the extractor, and a run with other
  // catalogs need not keep it (a few MB of heap).
  prebuilt = null;
  if (snap.version !== SNAPSHOT_VERSION || snap.vendors !== (vendorsJson ?? JSON.stringify(set.vendors))) return undefined;
  try {
    return restoreExtractor(set, snap, snap.vendors);
  } catch {
    // A damaged file: compile instead.
    return undefined;
  }
}

/** The snapshot as the build writes it: JSON, every character outside ASCII escaped. */
export function snapshotText(snap: ExtractorSnapshot): string {
  return `${JSON.stringify(snap).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}\n`;
}
