import { describe, expect, it } from '@jest/globals';
import { writeIni } from '../../../src/render/ini-writer.js';
import { quoteYaml } from '../../../src/render/yaml-quote.js';
import { editDistance, suggestPolicyName } from '../../../src/render/glance-policy-names.js';
import { escapePythonRegex } from '../../../src/render/python-regex.js';

describe('writeIni', () => {
  it('writes comments and sections', () => {
    const text = writeIni(
      ['top'],
      [
        {
          name: '[x].*',
          entries: [
            ['create', 'a, b'],
            ['read', ''],
          ],
        },
      ],
    );
    expect(text).toBe('# top\n\n[[x].*]\ncreate = a, b\nread =\n');
  });

  it('rejects a line break in a section name', () => {
    expect(() => writeIni([], [{ name: 'a\nb', entries: [] }])).toThrow('line break');
  });

  it('rejects a value with outer whitespace', () => {
    expect(() => writeIni([], [{ name: 'a', entries: [['create', ' x']] }])).toThrow('whitespace');
  });
});

describe('quoteYaml', () => {
  it.each([
    ['!', '"!"'],
    ['', '""'],
    ['a"b\\c', '"a\\"b\\\\c"'],
    ['line\nbreak\ttab', '"line\\nbreak\\ttab"'],
    ['\u2028\u0085\u007f\ufeff', '"\\u2028\\u0085\\u007f\\ufeff"'],
    ['caf\u00e9 \u{1f600}', '"caf\u00e9 \u{1f600}"'],
  ])('quotes %j', (text, quoted) => {
    expect(quoteYaml(text)).toBe(quoted);
  });
});

describe('policy name suggestions', () => {
  it.each([
    ['deactivate_image', 'deactivate'],
    ['reactivate_image', 'reactivate'],
    ['publicize', 'publicize_image'],
    ['Publicize_Image', 'publicize_image'],
    ['modfy_image', 'modify_image'],
    ['totally_unrelated_policy_name', undefined],
  ])('suggests for %s', (name, suggestion) => {
    expect(suggestPolicyName(name)).toBe(suggestion);
  });

  it('computes edit distance', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
  });
});

describe('escapePythonRegex', () => {
  it('escapes what re.escape escapes', () => {
    expect(escapePythonRegex('a-b.c#d e&f~g')).toBe('a\\-b\\.c\\#d\\ e\\&f\\~g');
    expect(escapePythonRegex('x(1)[2]{3}*+?|^$\\')).toBe(
      'x\\(1\\)\\[2\\]\\{3\\}\\*\\+\\?\\|\\^\\$\\\\',
    );
  });
});
