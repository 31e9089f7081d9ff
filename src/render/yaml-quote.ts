/**
 * Writes a YAML double-quoted scalar that PyYAML's `safe_load` reads back as
 * `text`. Characters that YAML folds or reads as line breaks are escaped, and
 * so is every character PyYAML's reader rejects as non-printable: it allows
 * only tab, LF, CR, 0x20-0x7E, 0x85, 0xA0-0xD7FF, 0xE000-0xFFFD and code points
 * beyond the BMP.
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
