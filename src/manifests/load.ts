import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { loadAll } from 'js-yaml';

/** One document of a manifest stream, with where it came from for messages. */
export interface ManifestDocument {
  readonly source: string;
  readonly index: number;
  readonly doc: Record<string, unknown>;
}

/** A manifest file that could not be read or parsed. */
export class ManifestError extends Error {
  constructor(
    readonly source: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`${source}: ${message}`, options);
    this.name = 'ManifestError';
  }
}

const MANIFEST_EXTENSIONS = /\.(ya?ml|json)$/i;

/**
 * Reads every document from files, folders (recursively, `.yaml`, `.yml` and
 * `.json` files in name order) or `-` for standard input. `List` documents are
 * expanded into their items; empty documents are skipped.
 */
export async function loadManifests(
  inputs: readonly string[],
  stdin: () => Promise<string> = readStdin,
): Promise<ManifestDocument[]> {
  const documents: ManifestDocument[] = [];
  for (const input of inputs) {
    for (const file of input === '-' ? ['-'] : await expand(input)) {
      const text = file === '-' ? await stdin() : await readText(file);
      documents.push(...parse(file === '-' ? '<stdin>' : file, text));
    }
  }
  return documents;
}

async function expand(path: string): Promise<string[]> {
  let info;
  try {
    info = await stat(path);
  } catch (cause) {
    throw new ManifestError(path, 'not found; pass a file, a folder or - for stdin', { cause });
  }
  if (!info.isDirectory()) {
    return [path];
  }
  const entries = await readdir(path, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const child = join(path, entry.name);
    if (entry.isDirectory()) {
      files.push(...(await expand(child)));
    } else if (MANIFEST_EXTENSIONS.test(entry.name)) {
      files.push(child);
    }
  }
  return files;
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (cause) {
    throw new ManifestError(file, 'cannot be read', { cause });
  }
}

function parse(source: string, text: string): ManifestDocument[] {
  let parsed: unknown[];
  try {
    parsed = loadAll(text);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new ManifestError(source, `invalid YAML: ${reason}`, { cause });
  }

  const documents: ManifestDocument[] = [];
  parsed.forEach((doc, index) => {
    if (doc === null || doc === undefined) {
      return;
    }
    if (typeof doc !== 'object' || Array.isArray(doc)) {
      throw new ManifestError(source, `document ${index + 1} is not a mapping`);
    }
    const record = doc as Record<string, unknown>;
    const items = record.kind === 'List' && Array.isArray(record.items) ? record.items : [record];
    for (const item of items as Record<string, unknown>[]) {
      documents.push({ source, index, doc: item });
    }
  });
  return documents;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
