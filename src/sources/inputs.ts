// What the user named on the command line → what to read: stdin, files, directories (recursive), globs.
import fs from 'node:fs';
import path from 'node:path';
import { ErrscanError } from '../errors.js';

export type InputSpec =
  | { kind: 'stdin' }
  | { kind: 'file'; path: string; label: string }
  | { kind: 'dir'; path: string; label: string }
  | { kind: 'glob'; pattern: string; cwd: string }
  /** Named but not there (yet): an error when scanning, a path to wait for when following. */
  | { kind: 'missing'; path: string; label: string };

export interface InputFile {
  /** Absolute path. */
  path: string;
  /** How events name it: the path as the user wrote it (or as a directory or glob expanded it). */
  label: string;
}

/** Sorts the way `ls` does in the C locale, so runs are reproducible. */
function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** tinyglobby (with picomatch and fdir), loaded when a directory or a pattern needs it: most runs name files. */
const globber = (): Promise<typeof import('tinyglobby')> => import('tinyglobby');

/** Classifies each argument; no argument at all means stdin. `-` is stdin (once). */
export async function classifyInputs(args: readonly string[], cwd: string = process.cwd()): Promise<InputSpec[]> {
  if (args.length === 0) return [{ kind: 'stdin' }];
  const out: InputSpec[] = [];
  let stdin = false;
  for (const a of args) {
    if (a === '-') {
      if (!stdin) out.push({ kind: 'stdin' });
      stdin = true;
      continue;
    }
    const abs = path.resolve(cwd, a);
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(abs);
    } catch {
      st = undefined;
    }
    if (st?.isDirectory()) out.push({ kind: 'dir', path: abs, label: a });
    else if (st) out.push({ kind: 'file', path: abs, label: a });
    else if ((await globber()).isDynamicPattern(a)) out.push({ kind: 'glob', pattern: a, cwd });
    else out.push({ kind: 'missing', path: abs, label: a });
  }
  return out;
}

/**
 * The files a spec stands for now: a directory's files recursively (hidden ones skipped), a glob's
 * matches, each list sorted. A directory that cannot be read throws an input error naming it.
 */
export async function listFiles(spec: InputSpec): Promise<InputFile[]> {
  switch (spec.kind) {
    case 'stdin':
    case 'missing':
      return [];
    case 'file':
      return [{ path: spec.path, label: spec.label }];
    case 'dir': {
      let found: string[];
      try {
        const { glob } = await globber();
        found = await glob('**/*', { cwd: spec.path, onlyFiles: true, dot: false, followSymbolicLinks: true, expandDirectories: false });
      } catch (e) {
        throw new ErrscanError('ERRSCAN_INPUT_READ', `cannot list the directory (${(e as Error).message})`, {
          file: spec.label,
          hint: 'check its permissions',
        });
      }
      return found.sort(byName).map((rel) => ({ path: path.join(spec.path, rel), label: path.join(spec.label, rel) }));
    }
    case 'glob': {
      const { glob } = await globber();
      const found = await glob(spec.pattern, { cwd: spec.cwd, onlyFiles: true, dot: false, expandDirectories: false });
      const abs = path.isAbsolute(spec.pattern);
      return found.sort(byName).map((f) => ({ path: path.resolve(spec.cwd, f), label: abs ? path.resolve(spec.cwd, f) : f }));
    }
  }
}

export function notFound(spec: InputSpec): ErrscanError {
  if (spec.kind === 'glob') {
    return new ErrscanError('ERRSCAN_INPUT_NOT_FOUND', 'the pattern matches no files', {
      file: spec.pattern,
      hint: 'check the pattern, and quote it so the shell does not expand it',
    });
  }
  const label = spec.kind === 'stdin' ? '-' : spec.label;
  // `errscan reprot` reads like a mistyped command as much as a missing file.
  const word = /^[a-z][a-z-]*$/i.test(label);
  return new ErrscanError('ERRSCAN_INPUT_NOT_FOUND', 'no such file or directory', {
    file: label,
    hint: word ? 'check the path; for a command, see errscan --help' : 'check the path',
  });
}
