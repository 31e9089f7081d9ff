/**
 * A writer for the INI dialect that Python's `configparser.ConfigParser`
 * reads (Python 3.11, default options), which is what Glance uses for
 * property-protections.conf and oslo.config uses for the service fragments.
 *
 * The npm `ini` encoder is not used because it escapes `.` and quotes names
 * that start with `[`, which would change the meaning of regex section names.
 * configparser takes a section name as everything between the first `[` and
 * the last `]` of the line, unchanged, so names need no escaping at all.
 */

export interface IniSection {
  readonly name: string;
  readonly entries: readonly (readonly [key: string, value: string])[];
}

/**
 * Writes comment lines, then each section with its `key = value` lines, with
 * one blank line between sections and a final newline.
 *
 * Throws on text that configparser would read differently: a line break
 * anywhere, an empty section name, or a value that starts or ends with
 * whitespace. Callers validate input before rendering, so a throw here is a bug.
 */
export function writeIni(comments: readonly string[], sections: readonly IniSection[]): string {
  const blocks: string[] = [];

  if (comments.length > 0) {
    blocks.push(comments.map((line) => `# ${assertOneLine(line)}`.trimEnd()).join('\n'));
  }

  for (const section of sections) {
    if (section.name.length === 0) {
      throw new Error('INI section name must not be empty');
    }
    const lines = [`[${assertOneLine(section.name)}]`];
    for (const [key, value] of section.entries) {
      lines.push(formatEntry(key, value));
    }
    blocks.push(lines.join('\n'));
  }

  return blocks.length === 0 ? '' : `${blocks.join('\n\n')}\n`;
}

function formatEntry(key: string, value: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(key)) {
    throw new Error(`INI key ${JSON.stringify(key)} must be lowercase letters, digits and _`);
  }
  if (value !== value.trim()) {
    throw new Error(`INI value ${JSON.stringify(value)} must not start or end with whitespace`);
  }
  // configparser strips the value, so "key =" reads as the empty string.
  return value === '' ? `${key} =` : `${key} = ${assertOneLine(value)}`;
}

/**
 * Line breaks: Python reads files with universal newlines (\n, \r), and the
 * other Unicode line separators are rejected too, so no tool shows a value
 * split differently from how Glance reads it.
 */
export const LINE_BREAK = /[\r\n\v\f\u0085\u2028\u2029]/;

function assertOneLine(text: string): string {
  if (LINE_BREAK.test(text)) {
    throw new Error(`INI text ${JSON.stringify(text)} must not contain a line break`);
  }
  return text;
}
