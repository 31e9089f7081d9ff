import { createHash } from 'node:crypto';

/** Returns the SHA-256 hex digest of a UTF-8 string. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * Hashes ConfigMap data in sorted key order. The JSON encoding keeps key and
 * value boundaries unambiguous, so any byte change in any file changes the hash.
 */
export function hashData(data: Readonly<Record<string, string>>): string {
  const entries = Object.keys(data)
    .sort()
    .map((key) => [key, data[key]]);
  return sha256Hex(JSON.stringify(entries));
}

/** Hashes an ordered list of values, for example the inputs that need a restart. */
export function hashParts(parts: readonly unknown[]): string {
  return sha256Hex(JSON.stringify(parts));
}

/** Returns the total UTF-8 byte size of ConfigMap data, keys included. */
export function dataBytes(data: Readonly<Record<string, string>>): number {
  let total = 0;
  for (const [key, value] of Object.entries(data)) {
    total += Buffer.byteLength(key, 'utf8') + Buffer.byteLength(value, 'utf8');
  }
  return total;
}
