/** Field path of a map entry: `base.key` for plain keys, `base["key"]` otherwise. */
export function mapEntryPath(base: string, key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_-]*$/.test(key)
    ? `${base}.${key}`
    : `${base}[${JSON.stringify(key)}]`;
}

/** Field path of a list item. */
export function itemPath(base: string, index: number): string {
  return `${base}[${index}]`;
}
