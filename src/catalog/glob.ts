/**
 * Tests whether a glob matches the whole of `text`. `*` matches any run of
 * characters (none included), `?` exactly one character, and every other
 * character only itself, so `.`, `[` and `\` need no escaping. Characters are
 * Unicode code points.
 *
 * The glob comes from users, so it is matched without regular expressions:
 * the loop backtracks only to the last `*`, which bounds the work by
 * pattern length times text length.
 */
export function matchGlob(pattern: string, text: string): boolean {
  const glob = Array.from(pattern);
  const chars = Array.from(text);
  let g = 0;
  let t = 0;
  let starAt = -1;
  let resumeAt = 0;

  while (t < chars.length) {
    const token = glob[g];
    if (token === '*') {
      starAt = g;
      resumeAt = t;
      g += 1;
    } else if (token !== undefined && (token === '?' || token === chars[t])) {
      g += 1;
      t += 1;
    } else if (starAt >= 0) {
      // Let the last star take one more character and retry from there.
      g = starAt + 1;
      resumeAt += 1;
      t = resumeAt;
    } else {
      return false;
    }
  }
  while (glob[g] === '*') {
    g += 1;
  }
  return g === glob.length;
}
