import { describe, expect, it } from '@jest/globals';
import { matchGlob } from '../../../src/catalog/glob.js';

describe('matchGlob', () => {
  it.each([
    ['ubuntu-*', 'ubuntu-24.04', true],
    ['ubuntu-*', 'ubuntu-', true],
    ['ubuntu-*', 'my-ubuntu-24.04', false],
    ['*-golden', 'centos-golden', true],
    ['*-golden', 'centos-golden-old', false],
    ['*golden*', 'xgoldeny', true],
    ['debian-1?', 'debian-12', true],
    ['debian-1?', 'debian-1', false],
    ['debian-1?', 'debian-123', false],
    ['a.b', 'a.b', true],
    ['a.b', 'axb', false],
    ['[x]', '[x]', true],
    ['[x]', 'x', false],
    ['*', '', true],
    ['', '', true],
    ['', 'a', false],
    ['**a**b', 'xxaxxb', true],
    ['a*b*c', 'abcabc', true],
    ['a*b*c', 'abcab', false],
    ['?', 'é', true],
    ['?', '😀', true],
  ])('%s on %s is %s', (pattern, text, expected) => {
    expect(matchGlob(pattern, text)).toBe(expected);
  });

  it('stays fast on a backtracking pattern', () => {
    const pattern = `${'*a'.repeat(30)}b`;
    const text = 'a'.repeat(255);
    const started = performance.now();

    expect(matchGlob(pattern, text)).toBe(false);
    expect(performance.now() - started).toBeLessThan(200);
  });
});
