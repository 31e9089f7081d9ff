import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { diffLines, splitLines, unifiedDiff } from '../../../src/cli/unified-diff.js';

/** Applies a unified diff with patch(1) and returns the patched text. */
function applyWithPatch(oldText: string, diff: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'unified-diff-'));
  try {
    const file = path.join(dir, 'file');
    writeFileSync(file, oldText);
    writeFileSync(path.join(dir, 'change.diff'), diff);
    execFileSync('patch', ['--quiet', '--force', file, path.join(dir, 'change.diff')]);
    return readFileSync(file, 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A deterministic pseudo-random generator, so failures can be reproduced. */
function generator(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

describe('splitLines', () => {
  it('keeps newlines on each line', () => {
    expect(splitLines('a\nb\n')).toEqual(['a\n', 'b\n']);
  });

  it('keeps a last line without newline', () => {
    expect(splitLines('a\nb')).toEqual(['a\n', 'b']);
  });

  it('returns no lines for empty text', () => {
    expect(splitLines('')).toEqual([]);
  });
});

describe('diffLines', () => {
  it('finds a minimal script', () => {
    const edits = diffLines(['a', 'b', 'c', 'a', 'b', 'b', 'a'], ['c', 'b', 'a', 'b', 'a', 'c']);
    const changes = edits.filter((e) => e.op !== 'equal').length;
    expect(changes).toBe(5);
  });

  it('rebuilds both sides from the script', () => {
    const random = generator(7);
    for (let round = 0; round < 200; round++) {
      const pick = (): string[] =>
        Array.from({ length: Math.floor(random() * 12) }, () => 'abc'[Math.floor(random() * 3)]!);
      const a = pick();
      const b = pick();
      const edits = diffLines(a, b);
      expect(edits.filter((e) => e.op !== 'insert').map((e) => e.line)).toEqual(a);
      expect(edits.filter((e) => e.op !== 'delete').map((e) => e.line)).toEqual(b);
    }
  });
});

describe('unifiedDiff', () => {
  it('returns nothing for equal texts', () => {
    expect(unifiedDiff('a\nb\n', 'a\nb\n', 'old', 'new')).toBe('');
  });

  it('formats one changed line with context', () => {
    const diff = unifiedDiff('1\n2\n3\n4\n5\n', '1\n2\nthree\n4\n5\n', 'old', 'new');
    expect(diff).toBe('--- old\n+++ new\n@@ -1,5 +1,5 @@\n 1\n 2\n-3\n+three\n 4\n 5\n');
  });

  it('shows an added file from line zero', () => {
    expect(unifiedDiff('', 'a\nb\n', '/dev/null', 'new')).toBe(
      '--- /dev/null\n+++ new\n@@ -0,0 +1,2 @@\n+a\n+b\n',
    );
  });

  it('marks a missing final newline', () => {
    expect(unifiedDiff('a\n', 'a', 'old', 'new')).toBe(
      '--- old\n+++ new\n@@ -1 +1 @@\n-a\n+a\n\\ No newline at end of file\n',
    );
  });

  it('splits distant changes into hunks', () => {
    const lines = Array.from({ length: 30 }, (_, i) => `line ${i}\n`);
    const changed = [...lines];
    changed[2] = 'first\n';
    changed[25] = 'second\n';
    const diff = unifiedDiff(lines.join(''), changed.join(''), 'old', 'new');
    expect(diff.match(/^@@ /gm)).toHaveLength(2);
    expect(diff).toContain('@@ -1,6 +1,6 @@');
    expect(diff).toContain('@@ -23,7 +23,7 @@');
  });

  it('produces diffs that patch applies', () => {
    const random = generator(42);
    for (let round = 0; round < 25; round++) {
      const pick = (): string =>
        Array.from({ length: Math.floor(random() * 40) }, () => `${Math.floor(random() * 6)}\n`)
          .join('')
          .concat(random() < 0.2 ? 'tail' : '');
      const oldText = pick();
      const newText = pick();
      const diff = unifiedDiff(oldText, newText, 'old', 'new');
      if (oldText === newText) {
        expect(diff).toBe('');
        continue;
      }
      expect(applyWithPatch(oldText, diff)).toBe(newText);
    }
  });
});
