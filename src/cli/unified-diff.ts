/** One line of an edit script: kept, removed from the old text or added in the new one. */
export interface LineEdit {
  readonly op: 'equal' | 'delete' | 'insert';
  /** The line with its newline, or without one when it is the last line and has none. */
  readonly line: string;
}

/**
 * Edit distance above which {@link diffLines} stops searching for a shortest
 * script and replaces the whole changed middle instead. The search keeps
 * about D² 32-bit integers for D edits, so this bounds its memory near 64 MB
 * while configuration changes of a few thousand lines still get a minimal diff.
 */
export const MAX_EDIT_DISTANCE = 4000;

/**
 * Splits text into lines that keep their `\n`, so a last line with and
 * without a newline compare as different lines.
 */
export function splitLines(text: string): string[] {
  const lines = text.split(/(?<=\n)/);
  return lines.length === 1 && lines[0] === '' ? [] : lines;
}

/**
 * Computes a shortest edit script from `a` to `b` with Myers' O(ND)
 * algorithm, after stripping the common prefix and suffix.
 */
export function diffLines(a: readonly string[], b: readonly string[]): LineEdit[] {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) {
    start++;
  }
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }

  const equal = (lines: readonly string[]): LineEdit[] =>
    lines.map((line) => ({ op: 'equal', line }));
  return [
    ...equal(a.slice(0, start)),
    ...diffMiddle(a.slice(start, endA), b.slice(start, endB)),
    ...equal(a.slice(endA)),
  ];
}

function diffMiddle(a: readonly string[], b: readonly string[]): LineEdit[] {
  const n = a.length;
  const m = b.length;
  const maxD = Math.min(n + m, MAX_EDIT_DISTANCE);
  const offset = maxD + 1;
  // v[k + offset] is the furthest x reached on diagonal k = x - y.
  const v = new Int32Array(2 * maxD + 3);
  // trace[d] keeps v for diagonals -d..d as it was before round d, for the backtrack.
  const trace: Int32Array[] = [];

  for (let d = 0; d <= maxD; d++) {
    trace.push(v.slice(offset - d, offset + d + 1));
    for (let k = -d; k <= d; k += 2) {
      const down = k === -d || (k !== d && at(v, k - 1 + offset) < at(v, k + 1 + offset));
      let x = down ? at(v, k + 1 + offset) : at(v, k - 1 + offset) + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[k + offset] = x;
      if (x >= n && y >= m) {
        return backtrack(a, b, trace);
      }
    }
  }
  return [
    ...a.map((line): LineEdit => ({ op: 'delete', line })),
    ...b.map((line): LineEdit => ({ op: 'insert', line })),
  ];
}

/** Walks the saved rounds back from the end of both texts to rebuild the script. */
function backtrack(
  a: readonly string[],
  b: readonly string[],
  trace: readonly Int32Array[],
): LineEdit[] {
  const reversed: LineEdit[] = [];
  let x = a.length;
  let y = b.length;
  for (let d = trace.length - 1; d >= 0; d--) {
    const round = trace[d] as Int32Array;
    const value = (k: number): number => at(round, k + d);
    const k = x - y;
    const down = k === -d || (k !== d && value(k - 1) < value(k + 1));
    const previousK = down ? k + 1 : k - 1;
    const previousX = d === 0 ? 0 : value(previousK);
    const previousY = d === 0 ? 0 : previousX - previousK;

    while (x > previousX && y > previousY) {
      x--;
      y--;
      reversed.push({ op: 'equal', line: a[x] as string });
    }
    if (d > 0) {
      if (down) {
        reversed.push({ op: 'insert', line: b[previousY] as string });
      } else {
        reversed.push({ op: 'delete', line: a[previousX] as string });
      }
    }
    x = previousX;
    y = previousY;
  }
  return reversed.reverse();
}

function at(array: Int32Array, index: number): number {
  return array[index] as number;
}

/**
 * Formats the difference between two texts as a unified diff with `context`
 * unchanged lines around each change, in the format patch(1) applies.
 * Returns an empty string when the texts are equal.
 */
export function unifiedDiff(
  oldText: string,
  newText: string,
  oldLabel: string,
  newLabel: string,
  context = 3,
): string {
  const edits = diffLines(splitLines(oldText), splitLines(newText));
  const hunks = groupHunks(edits, context);
  if (hunks.length === 0) {
    return '';
  }
  const out = [`--- ${oldLabel}\n`, `+++ ${newLabel}\n`];
  for (const hunk of hunks) {
    out.push(formatHunk(edits, hunk));
  }
  return out.join('');
}

interface Hunk {
  /** Index range in the edit script, end exclusive. */
  readonly from: number;
  readonly to: number;
}

/** Groups changed edits with their context, merging groups whose context overlaps. */
function groupHunks(edits: readonly LineEdit[], context: number): Hunk[] {
  const hunks: { from: number; to: number }[] = [];
  edits.forEach((edit, index) => {
    if (edit.op === 'equal') {
      return;
    }
    const from = Math.max(0, index - context);
    const to = Math.min(edits.length, index + 1 + context);
    const last = hunks[hunks.length - 1];
    if (last !== undefined && from <= last.to) {
      last.to = to;
    } else {
      hunks.push({ from, to });
    }
  });
  return hunks;
}

const LINE_PREFIX = { equal: ' ', delete: '-', insert: '+' } as const;

function formatHunk(edits: readonly LineEdit[], hunk: Hunk): string {
  let oldStart = 0;
  let newStart = 0;
  for (const edit of edits.slice(0, hunk.from)) {
    if (edit.op !== 'insert') oldStart++;
    if (edit.op !== 'delete') newStart++;
  }

  const body: string[] = [];
  let oldCount = 0;
  let newCount = 0;
  for (const edit of edits.slice(hunk.from, hunk.to)) {
    const prefix = LINE_PREFIX[edit.op];
    if (edit.op !== 'insert') oldCount++;
    if (edit.op !== 'delete') newCount++;
    body.push(
      edit.line.endsWith('\n')
        ? `${prefix}${edit.line}`
        : `${prefix}${edit.line}\n\\ No newline at end of file\n`,
    );
  }
  return `@@ -${range(oldStart, oldCount)} +${range(newStart, newCount)} @@\n${body.join('')}`;
}

/** Formats a hunk range as GNU diff does: 1-based start, no count when 1, start 0 when empty. */
function range(before: number, count: number): string {
  if (count === 1) {
    return String(before + 1);
  }
  return `${count === 0 ? before : before + 1},${count}`;
}
