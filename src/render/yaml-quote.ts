/**
 * Writes a YAML double-quoted scalar. Every character that YAML would fold,
 * treat as a line break, or reject as non-printable (PyYAML's reader allows
 * only tab, LF, CR, 0x20-0x7E, 0x85, 0xA0-0xD7FF, 0xE000-0xFFFD and beyond
 * the BMP) is written as an escape, so PyYAML's `safe_load` returns `text` unchanged.
 */
export function quoteYaml(text: string): string {
  let quoted = '"';
  for (const char of text) {
    quoted += escapeChar(char);
  }
  return `${quoted}"`;
}

function escapeChar(char: string): string {
  switch (char) {
    case '"':
      return '\\"';
    case '\\':
      return '\\\\';
    case '\n':
      return '\\n';
    case '\t':
      return '\\t';
    case '\r':
      return '\\r';
  }
  const code = char.codePointAt(0)!;
  const printable =
    (code >= 0x20 && code <= 0x7e) ||
    (code >= 0xa0 && code <= 0xd7ff && code !== 0x2028 && code !== 0x2029) ||
    (code >= 0xe000 && code <= 0xfffd && code !== 0xfeff) ||
    code >= 0x10000;
  if (printable) {
    return char;
  }
  return code <= 0xffff
    ? `\\u${code.toString(16).padStart(4, '0')}`
    : `\\U${code.toString(16).padStart(8, '0')}`;
}
