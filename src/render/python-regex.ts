/**
 * Checks a Python regular expression (the `re` module of Python 3.11, which
 * Glance uses for section names) and translates it into an equivalent
 * JavaScript `RegExp`, so the renderer can evaluate patterns the way Glance does.
 *
 * What is checked, token by token:
 * - escapes: Python rejects `\` before an ASCII letter it does not define, so
 *   JavaScript forms such as `\p{..}`, `\k<..>`, `\cX`, `\u{..}` and `\z` are
 *   errors. `\x` needs two hex digits, `\u` four and `\U` eight.
 * - groups: `(?<name>` must be `(?P<name>`, names must be unique identifiers,
 *   `(?P=name)` and `\1` must refer to an already closed group.
 * - flags: `(?aimsu)` is accepted only at the start (Python 3.11 rejects global
 *   flags elsewhere), `L` never. Verbose mode `x` and scoped flags other than
 *   `i` are rejected because the checks do not evaluate them.
 * - lookbehind must have a fixed width, as Python requires.
 * - atomic groups `(?>..)`, possessive quantifiers `*+` and conditionals
 *   `(?(1)..)` are rejected: Python 3.10 and older reject the first two, and
 *   JavaScript has none of them, so the checks cannot evaluate them.
 * - plain syntax (unbalanced brackets, nothing to repeat) is left to compiling
 *   the translation with the JavaScript `u` flag.
 *
 * The translation keeps Python semantics where the engines differ. In Python,
 * `.` does not match `\n`, and `$` also matches before a final `\n`. A `{`
 * that does not start a valid repeat is a literal, and so is `]` first in a
 * class. Unicode differences of `\d`, `\w`, `\s` and `\b` are accepted as they are.
 */

export interface PythonPatternAnalysis {
  /** Problems that Python or the checks reject, each with the fix. Empty when accepted. */
  readonly problems: readonly string[];
  /** JavaScript equivalent for `re.search`; set only when there are no problems. */
  readonly regExp?: RegExp;
  /**
   * True when matching may backtrack for exponential or high polynomial time
   * on some names: a repeated group that itself repeats or alternates, a
   * backreference, or more than MAX_REPEATS repeats. Such a pattern must not
   * be run on untrusted names in the event loop.
   * NOTE: this is a heuristic. It flags `(a+)+` and `(a|a)*`, but an
   * expensive pattern outside these forms can pass.
   */
  readonly backtrackingRisk: boolean;
}

/** Repeats (quantifiers with a maximum above 1) allowed before a pattern counts as a backtracking risk. */
const MAX_REPEATS = 3;

type Width = readonly [min: number, max: number];

interface Frame {
  readonly kind: 'root' | 'group' | 'lookahead' | 'lookbehind';
  readonly start: number;
  /** Capture group number, or 0 for groups that do not capture. */
  readonly captureNumber: number;
  readonly captureName?: string;
  sum: [number, number];
  pending: Width | null;
  /** True when the pending atom is a group that repeats or alternates inside. */
  pendingRepeats: boolean;
  /** True when a quantifier with a maximum above 1 or an alternation occurs inside. */
  containsRepeat: boolean;
  branches: Width[];
  /** True until the first atom of the first top-level branch, where global flags are allowed. */
  atStart: boolean;
}

const PYTHON_ESCAPE_LETTERS = new Set('aAbBdDfnrsStvwWxZuUN');
const PYTHON_CLASS_ESCAPE_LETTERS = new Set('abdDfnrsStvwWxuUN');
const CONTROL_ESCAPES: Readonly<Record<string, string>> = {
  a: '\u0007',
  b: '\u0008',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};

/** Number of hex digits that Python requires after each hex escape letter. */
const HEX_ESCAPE_DIGITS: Readonly<Record<string, number>> = { x: 2, u: 4, U: 8 };

const JAVASCRIPT_ESCAPE_FIXES: Readonly<Record<string, string>> = {
  p: 'Python has no Unicode property escapes; list the characters in a class such as [A-Za-z]',
  P: 'Python has no Unicode property escapes; list the characters in a negated class such as [^A-Za-z]',
  k: 'write a named backreference as (?P=name)',
  c: 'write a control character as \\x followed by two hex digits, such as \\x01',
  z: 'write the end of the name as $',
  e: 'write the escape character as \\x1b',
};

/** Escapes every character that Python's `re.escape` escapes, so the result matches `text` literally. */
export function escapePythonRegex(text: string): string {
  return text.replace(/[()[\]{}?*+\-|^$\\.&~# \t\n\r\v\f]/g, (char) => `\\${char}`);
}

/** Checks `pattern` with Python 3.11 `re` rules and, when it is accepted, translates it. */
export function analyzePythonPattern(pattern: string): PythonPatternAnalysis {
  return new PatternTranslator(pattern).run();
}

class PatternTranslator {
  private readonly problems: string[] = [];
  private readonly frames: Frame[] = [];
  private readonly closedGroups = new Set<number>();
  private readonly groupNames = new Map<string, number>();
  private position = 0;
  private groupCount = 0;
  private output = '';
  private ignoreCase = false;
  private multiline = false;
  private dotAll = false;
  private repeats = 0;
  private nestedRepeat = false;
  private backreferences = 0;

  constructor(private readonly pattern: string) {
    this.frames.push(newFrame('root', 0, 0));
  }

  run(): PythonPatternAnalysis {
    while (this.position < this.pattern.length && this.problems.length === 0) {
      this.step();
    }
    if (this.problems.length === 0 && this.frames.length > 1) {
      const open = this.frames[this.frames.length - 1]!;
      this.reject(`the group opened at position ${open.start} is never closed; add ")"`);
    }
    if (this.problems.length > 0) {
      return { problems: this.problems, backtrackingRisk: false };
    }

    const flags = `u${this.ignoreCase ? 'i' : ''}`;
    try {
      const regExp = new RegExp(this.output, flags);
      const backtrackingRisk =
        this.nestedRepeat || this.backreferences > 0 || this.repeats > MAX_REPEATS;
      return { problems: [], regExp, backtrackingRisk };
    } catch (cause) {
      const reason = cause instanceof Error ? cause.message.replace(/^.*: /, '') : String(cause);
      return {
        problems: [`is not a valid regular expression (${reason}); fix the syntax`],
        backtrackingRisk: false,
      };
    }
  }

  private get frame(): Frame {
    return this.frames[this.frames.length - 1]!;
  }

  private reject(problem: string): void {
    this.problems.push(problem);
  }

  private step(): void {
    const char = this.pattern[this.position]!;
    switch (char) {
      case '\\':
        this.escape();
        return;
      case '[':
        this.characterClass();
        return;
      case '(':
        this.openGroup();
        return;
      case ')':
        this.closeGroup();
        return;
      case '|':
        this.position += 1;
        this.commitPending();
        this.frame.branches.push(this.frame.sum);
        this.frame.sum = [0, 0];
        this.frame.atStart = false;
        this.output += '|';
        return;
      case '*':
      case '+':
      case '?':
      case '{':
        this.quantifier();
        return;
      case '.':
        this.position += 1;
        this.atom(this.dotAll ? '[\\s\\S]' : '[^\\n]', [1, 1]);
        return;
      case '^':
        this.position += 1;
        this.atom(this.multiline ? '(?<![^\\n])' : '(?<![\\s\\S])', [0, 0]);
        return;
      case '$':
        this.position += 1;
        this.atom(this.multiline ? '(?![^\\n])' : '(?=\\n?(?![\\s\\S]))', [0, 0]);
        return;
      default: {
        const literal = this.nextCodePoint();
        this.atom(jsLiteral(literal), [1, 1]);
      }
    }
  }

  /** Reads one whole code point, so characters outside the BMP stay one character. */
  private nextCodePoint(): string {
    const char = String.fromCodePoint(this.pattern.codePointAt(this.position)!);
    this.position += char.length;
    return char;
  }

  /** Appends an atom and records its width for the lookbehind check. */
  private atom(js: string, width: Width): void {
    this.commitPending();
    this.frame.pending = width;
    this.frame.pendingRepeats = false;
    this.frame.atStart = false;
    this.output += js;
  }

  private commitPending(): void {
    const frame = this.frame;
    if (frame.pending !== null) {
      frame.sum = [frame.sum[0] + frame.pending[0], frame.sum[1] + frame.pending[1]];
      frame.pending = null;
    }
  }

  private escape(): void {
    const next = this.pattern[this.position + 1];
    if (next === undefined) {
      this.reject('ends with a lone backslash; escape it as \\\\');
      return;
    }
    this.position += 2;

    if (/[0-9]/.test(next)) {
      this.numericEscape(next);
      return;
    }
    if (!/[A-Za-z]/.test(next)) {
      this.atom(jsLiteral(next), [1, 1]);
      return;
    }
    if (!PYTHON_ESCAPE_LETTERS.has(next)) {
      this.rejectUnknownEscape(next);
      return;
    }

    switch (next) {
      case 'A':
        this.atom('(?<![\\s\\S])', [0, 0]);
        return;
      case 'Z':
        this.atom('(?![\\s\\S])', [0, 0]);
        return;
      case 'b':
      case 'B':
        this.atom(`\\${next}`, [0, 0]);
        return;
      case 'd':
      case 'D':
      case 's':
      case 'S':
      case 'w':
      case 'W':
        this.atom(`\\${next}`, [1, 1]);
        return;
      default: {
        const literal = this.literalEscape(next);
        if (literal !== undefined) {
          this.atom(jsLiteral(literal), [1, 1]);
        }
      }
    }
  }

  private rejectUnknownEscape(letter: string): void {
    const fix =
      JAVASCRIPT_ESCAPE_FIXES[letter] ?? 'remove the backslash or use an escape Python defines';
    this.reject(`contains \\${letter}, which Python rejects as a bad escape; ${fix}`);
  }

  /** Reads the letter escapes that stand for one character; returns undefined after a rejection. */
  private literalEscape(letter: string): string | undefined {
    const control = CONTROL_ESCAPES[letter];
    if (control !== undefined) {
      return control;
    }
    const digits = HEX_ESCAPE_DIGITS[letter];
    if (digits === undefined) {
      this.reject(`contains \\N{...}, which the checks do not resolve; write the character itself`);
      return undefined;
    }

    const hex = this.pattern.slice(this.position, this.position + digits);
    if (!new RegExp(`^[0-9A-Fa-f]{${digits}}$`).test(hex)) {
      const fix =
        letter === 'u' && this.pattern[this.position] === '{'
          ? 'Python has no \\u{...}; write \\u with exactly four hex digits or \\U with eight'
          : `write \\${letter} with exactly ${digits} hex digits`;
      this.reject(`contains an incomplete \\${letter} escape, which Python rejects; ${fix}`);
      return undefined;
    }
    this.position += digits;

    const codePoint = parseInt(hex, 16);
    if (codePoint > 0x10ffff) {
      this.reject(`contains \\U${hex}, beyond the last Unicode code point; fix the escape`);
      return undefined;
    }
    return String.fromCodePoint(codePoint);
  }

  /** Reads `\0`, octal escapes and backreferences with Python's rules. */
  private numericEscape(first: string): void {
    const rest = this.pattern.slice(this.position);
    const octal = /^[0-7]{2}/.exec(rest);
    if (first === '0' || (/[0-7]/.test(first) && octal !== null)) {
      const digits = first === '0' ? (/^[0-7]{0,2}/.exec(rest)?.[0] ?? '') : octal![0];
      this.position += digits.length;
      const value = parseInt(`${first}${digits}`, 8);
      if (value > 0o377) {
        this.reject(
          `contains the octal escape \\${first}${digits} above \\377, which Python rejects; use \\x or \\u`,
        );
        return;
      }
      this.atom(jsLiteral(String.fromCharCode(value)), [1, 1]);
      return;
    }

    const second = /^[0-9]/.exec(rest)?.[0] ?? '';
    this.position += second.length;
    this.backreference(Number(`${first}${second}`), `\\${first}${second}`);
  }

  private backreference(group: number, written: string): void {
    if (!this.closedGroups.has(group)) {
      this.reject(
        `refers to group ${group} with ${written} before that group is closed, which Python rejects; ` +
          'refer only to groups that end earlier in the pattern',
      );
      return;
    }
    this.backreferences += 1;
    this.atom(`(?:\\${group})`, [0, Infinity]);
  }

  private quantifier(): void {
    const rest = this.pattern.slice(this.position);
    let min: number;
    let max: number;
    let length: number;

    if (rest[0] === '{') {
      const repeat = /^\{(\d*)(?:(,)(\d*))?\}/.exec(rest);
      if (repeat === null || repeat[0] === '{}') {
        // Python reads a "{" that does not start a valid repeat as a literal.
        this.position += 1;
        this.atom('\\{', [1, 1]);
        return;
      }
      min = repeat[1] === '' ? 0 : Number(repeat[1]);
      max =
        repeat[2] === undefined
          ? repeat[1] === ''
            ? Infinity
            : min
          : repeat[3] === ''
            ? Infinity
            : Number(repeat[3]);
      length = repeat[0].length;
      if (max < min) {
        this.reject(
          `contains ${repeat[0]} with the minimum above the maximum, which Python rejects; swap the numbers`,
        );
        return;
      }
    } else {
      min = rest[0] === '+' ? 1 : 0;
      max = rest[0] === '?' ? 1 : Infinity;
      length = 1;
    }

    const suffix = rest[length];
    if (suffix === '+') {
      this.reject(
        `contains the possessive quantifier ${rest.slice(0, length + 1)}, which Python 3.10 and older ` +
          'reject and JavaScript lacks; drop the trailing +',
      );
      return;
    }
    this.position += length;
    const lazy = suffix === '?';
    if (lazy) {
      this.position += 1;
    }

    const frame = this.frame;
    if (frame.pending !== null) {
      const [low, high] = frame.pending;
      frame.pending = [low * min, high === 0 ? 0 : high * max];
    }
    if (max > 1) {
      this.repeats += 1;
      this.nestedRepeat ||= frame.pendingRepeats;
      frame.containsRepeat = true;
    }
    const quantifier =
      length === 1 ? rest[0]! : `{${min}${max === min ? '' : `,${max === Infinity ? '' : max}`}}`;
    this.output += `${quantifier}${lazy ? '?' : ''}`;
  }

  private characterClass(): void {
    const start = this.position;
    this.position += 1;
    let js = '[';
    if (this.pattern[this.position] === '^') {
      js += '^';
      this.position += 1;
    }

    let first = true;
    while (this.position < this.pattern.length) {
      const char = this.pattern[this.position]!;
      if (char === ']' && !first) {
        this.position += 1;
        this.atom(`${js}]`, [1, 1]);
        return;
      }
      first = false;
      if (char === '\\') {
        const item = this.classEscape();
        if (item === undefined) {
          return;
        }
        js += item;
        continue;
      }
      if (char === '-') {
        this.position += 1;
        js += '-';
      } else {
        js += jsLiteral(this.nextCodePoint());
      }
    }
    this.reject(`has a character set opened at position ${start} that is never closed; add "]"`);
  }

  private classEscape(): string | undefined {
    const next = this.pattern[this.position + 1];
    if (next === undefined) {
      this.reject('ends with a lone backslash; escape it as \\\\');
      return undefined;
    }
    this.position += 2;

    if (/[0-7]/.test(next)) {
      const digits = /^[0-7]{0,2}/.exec(this.pattern.slice(this.position))?.[0] ?? '';
      this.position += digits.length;
      return jsLiteral(String.fromCharCode(parseInt(`${next}${digits}`, 8)));
    }
    if (!/[A-Za-z]/.test(next)) {
      if (/[89]/.test(next)) {
        this.reject(
          `contains \\${next} in a character set, which Python rejects; remove the backslash`,
        );
        return undefined;
      }
      return jsLiteral(next);
    }
    if (!PYTHON_CLASS_ESCAPE_LETTERS.has(next)) {
      this.rejectUnknownEscape(next);
      return undefined;
    }
    if ('dDsSwW'.includes(next)) {
      return `\\${next}`;
    }
    const literal = this.literalEscape(next);
    return literal === undefined ? undefined : jsLiteral(literal);
  }

  private openGroup(): void {
    const start = this.position;
    const rest = this.pattern.slice(this.position);
    this.commitPending();

    if (!rest.startsWith('(?')) {
      this.position += 1;
      this.pushCapture(start, undefined);
      return;
    }

    const named = /^\(\?P<([^>]*)>/.exec(rest);
    if (named !== null) {
      this.position += named[0].length;
      this.namedGroup(start, named[1]!);
      return;
    }
    const namedReference = /^\(\?P=([^)]*)\)/.exec(rest);
    if (namedReference !== null) {
      this.position += namedReference[0].length;
      const group = this.groupNames.get(namedReference[1]!);
      if (group === undefined) {
        this.reject(
          `refers to the unknown group name "${namedReference[1]}"; define it earlier with (?P<name>...)`,
        );
        return;
      }
      this.backreference(group, namedReference[0]);
      return;
    }

    const fixed: readonly [string, Frame['kind'], string][] = [
      ['(?:', 'group', '(?:'],
      ['(?=', 'lookahead', '(?='],
      ['(?!', 'lookahead', '(?!'],
      ['(?<=', 'lookbehind', '(?<='],
      ['(?<!', 'lookbehind', '(?<!'],
    ];
    for (const [opener, kind, js] of fixed) {
      if (rest.startsWith(opener)) {
        this.position += opener.length;
        this.pushFrame(newFrame(kind, start, 0), js);
        return;
      }
    }

    if (rest.startsWith('(?<')) {
      const name = /^\(\?<([^>]*)>/.exec(rest)?.[1] ?? 'name';
      this.reject(
        `contains (?<${name}>, which Python rejects; write a named group as (?P<${name}>...)`,
      );
      return;
    }
    if (rest.startsWith('(?#')) {
      const end = this.pattern.indexOf(')', this.position);
      if (end < 0) {
        this.reject('has a (?#...) comment that is never closed; add ")"');
        return;
      }
      this.position = end + 1;
      return;
    }
    if (rest.startsWith('(?>')) {
      this.reject(
        'contains the atomic group (?>...), which Python 3.10 and older reject and JavaScript lacks; ' +
          'use (?:...)',
      );
      return;
    }
    if (rest.startsWith('(?(')) {
      this.reject(
        'contains a conditional group (?(...)...), which the checks cannot evaluate; use alternation with |',
      );
      return;
    }
    this.flagGroup(start, rest);
  }

  private namedGroup(start: number, name: string): void {
    if (!/^[\p{L}_][\p{L}\p{N}_]*$/u.test(name)) {
      this.reject(
        `has the group name "${name}", which is not an identifier; use letters, digits and _`,
      );
      return;
    }
    if (this.groupNames.has(name)) {
      this.reject(`defines the group name "${name}" twice, which Python rejects; rename one group`);
      return;
    }
    this.pushCapture(start, name);
  }

  private pushCapture(start: number, name: string | undefined): void {
    this.groupCount += 1;
    if (name !== undefined) {
      this.groupNames.set(name, this.groupCount);
    }
    const frame: Frame = { ...newFrame('group', start, this.groupCount), captureName: name };
    this.pushFrame(frame, name === undefined ? '(' : `(?<${name}>`);
  }

  private pushFrame(frame: Frame, js: string): void {
    this.frame.atStart = false;
    this.frames.push(frame);
    this.output += js;
  }

  private flagGroup(start: number, rest: string): void {
    const match = /^\(\?([a-zA-Z]*)(?:-([a-zA-Z]*))?([:)])/.exec(rest);
    if (match === null) {
      this.reject(
        `contains an unknown group extension at position ${start}; check the group syntax`,
      );
      return;
    }
    const [text, on = '', off, end] = match;
    if (text === '(?)') {
      this.reject('contains "(?)", which Python rejects; remove it');
      return;
    }
    const all = `${on}${off ?? ''}`;
    const unknown = [...all].find((flag) => !'aiLmsux'.includes(flag));
    if (unknown !== undefined) {
      this.reject(
        `contains the unknown flag "${unknown}" in ${text}; Python knows a, i, L, m, s, u and x`,
      );
      return;
    }
    if (all.includes('L')) {
      this.reject(
        `contains the flag L in ${text}, which Python rejects for text patterns; remove it`,
      );
      return;
    }
    this.position += text.length;

    if (end === ')') {
      this.globalFlags(text, on, off);
      return;
    }
    if (/[msx]/.test(all)) {
      this.reject(
        `contains the scoped flags ${text}, which the checks do not evaluate; only i may be scoped`,
      );
      return;
    }
    const onI = on.includes('i') ? 'i' : '';
    const offI = off?.includes('i') === true ? '-i' : '';
    this.pushFrame(
      newFrame('group', start, 0),
      onI === '' && offI === '' ? '(?:' : `(?${onI}${offI}:`,
    );
  }

  private globalFlags(text: string, on: string, off: string | undefined): void {
    if (off !== undefined) {
      this.reject(
        `contains ${text}; Python cannot turn flags off for the whole pattern, use (?-flags:...)`,
      );
      return;
    }
    if (this.frames.length > 1 || !this.frame.atStart) {
      this.reject(
        `contains the global flags ${text} after the start, which Python 3.11 rejects; ` +
          `move them to the very beginning or use a scoped group such as (?${on}:...)`,
      );
      return;
    }
    if (on.includes('x')) {
      this.reject(
        `contains the verbose flag in ${text}, which the checks do not evaluate; remove it`,
      );
      return;
    }
    this.ignoreCase ||= on.includes('i');
    this.multiline ||= on.includes('m');
    this.dotAll ||= on.includes('s');
  }

  private closeGroup(): void {
    if (this.frames.length === 1) {
      this.reject(`has an unbalanced ")" at position ${this.position}; remove it or open a group`);
      return;
    }
    this.position += 1;
    this.commitPending();
    const frame = this.frames.pop()!;
    const widths = [...frame.branches, frame.sum];
    const min = Math.min(...widths.map((width) => width[0]));
    const max = Math.max(...widths.map((width) => width[1]));

    if (frame.kind === 'lookbehind' && min !== max) {
      this.reject(
        `has a lookbehind at position ${frame.start} that can match different lengths, which Python ` +
          'rejects; make every branch the same fixed length',
      );
      return;
    }
    if (frame.captureNumber > 0) {
      this.closedGroups.add(frame.captureNumber);
    }
    this.output += ')';
    const isLookaround = frame.kind === 'lookahead' || frame.kind === 'lookbehind';
    this.frame.pending = isLookaround ? [0, 0] : [min, max];
    this.frame.pendingRepeats = frame.containsRepeat || frame.branches.length > 0;
    this.frame.containsRepeat ||= this.frame.pendingRepeats;
    this.frame.atStart = false;
  }
}

function newFrame(kind: Frame['kind'], start: number, captureNumber: number): Frame {
  return {
    kind,
    start,
    captureNumber,
    sum: [0, 0],
    pending: null,
    branches: [],
    atStart: kind === 'root',
    pendingRepeats: false,
    containsRepeat: false,
  };
}

/** Writes one character so JavaScript reads it literally with the `u` flag, inside or outside a class. */
function jsLiteral(char: string): string {
  if (/^[A-Za-z0-9_]$/.test(char)) {
    return char;
  }
  return `\\u{${char.codePointAt(0)!.toString(16)}}`;
}
