/** One Dockerfile instruction after joining continuation lines. */
export interface Instruction {
  /** The instruction in upper case, such as RUN or COPY. */
  readonly keyword: string;
  /** Everything after the keyword, with continuations joined by a space. */
  readonly args: string;
  /** 1-based line number where the instruction starts. */
  readonly line: number;
}

/** A build stage: its FROM instruction and everything up to the next FROM. */
export interface Stage {
  readonly image: string;
  readonly name?: string;
  readonly instructions: Instruction[];
}

/**
 * Parses a Dockerfile into stages, following the Dockerfile reference: a line
 * ending in a backslash continues on the next line, and lines starting with
 * `#` are comments, also inside a continued instruction. Instructions before
 * the first FROM (ARG) are dropped.
 * NOTE: heredocs (`RUN <<EOF`) are not supported; the parser reads their
 * body lines as instructions.
 */
export function parseDockerfile(text: string): Stage[] {
  const stages: { image: string; name?: string; instructions: Instruction[] }[] = [];
  for (const instruction of instructions(text)) {
    if (instruction.keyword === 'FROM') {
      const words = instruction.args.split(/\s+/).filter((w) => !w.startsWith('--'));
      const image = words[0] ?? '';
      const name = words[1]?.toUpperCase() === 'AS' ? words[2] : undefined;
      stages.push({ image, ...(name === undefined ? {} : { name }), instructions: [] });
      continue;
    }
    stages[stages.length - 1]?.instructions.push(instruction);
  }
  return stages;
}

function instructions(text: string): Instruction[] {
  const result: Instruction[] = [];
  let pending: { parts: string[]; line: number } | undefined;
  text.split('\n').forEach((raw, index) => {
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) {
      return;
    }
    const continues = trimmed.endsWith('\\');
    const part = continues ? trimmed.slice(0, -1).trim() : trimmed;
    pending ??= { parts: [], line: index + 1 };
    pending.parts.push(part);
    if (continues) {
      return;
    }
    const joined = pending.parts.join(' ');
    const match = /^(\S+)\s*(.*)$/.exec(joined);
    result.push({
      keyword: (match?.[1] ?? '').toUpperCase(),
      args: match?.[2] ?? '',
      line: pending.line,
    });
    pending = undefined;
  });
  return result;
}

/**
 * Splits instruction arguments into words: the JSON array form as JSON, the
 * shell form on whitespace. Flags such as `--from=build` are kept as words.
 */
export function argumentWords(args: string): string[] {
  if (args.startsWith('[')) {
    return JSON.parse(args) as string[];
  }
  return args.split(/\s+/).filter((word) => word !== '');
}

/** Returns the value of a `--name=value` flag in the words, or undefined. */
export function flagValue(words: readonly string[], name: string): string | undefined {
  const prefix = `--${name}=`;
  return words.find((word) => word.startsWith(prefix))?.slice(prefix.length);
}
