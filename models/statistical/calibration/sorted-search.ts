/**
 * Binary searches in the first n values of a sorted array, with the cheap answers tried first: below the
 * smallest value or beyond the largest (raw scores of 0 against a history full of zeros, a part that is
 * off), and the hint (the answer of the same search last time, or one already known to be close), right
 * when the value falls between the same two neighbours again. Then a binary search without branches on
 * the data (a plain one mispredicts about every other of its ten steps over a thousand values; galloping
 * out from the hint was slower still, most raw scores not being close to the last one). The answers are
 * those of a plain binary search.
 */

/** First index whose value is >= v (n when none). */
export function lowerBound(s: Float64Array, n: number, v: number, hint: number): number {
  if (n === 0 || v <= s[0]!) return 0;
  if (s[n - 1]! < v) return n;
  if (hint >= 1 && hint < n && s[hint - 1]! < v && s[hint]! >= v) return hint;
  // Branch-free halving: base + half moves on when s[base + half] < v, as a number, not a jump the
  // processor would mispredict every other step.
  let base = 0;
  let len = n;
  while (len > 1) {
    const half = len >>> 1;
    base += Number(s[base + half]! < v) * half;
    len -= half;
  }
  return base + Number(s[base]! < v);
}

/** First index whose value is > v (n when none): the place after v's equals. */
export function upperBound(s: Float64Array, n: number, v: number, hint: number): number {
  if (n === 0 || v < s[0]!) return 0;
  if (s[n - 1]! <= v) return n;
  if (hint >= 1 && hint < n && s[hint - 1]! <= v && s[hint]! > v) return hint;
  let base = 0;
  let len = n;
  while (len > 1) {
    const half = len >>> 1;
    base += Number(s[base + half]! <= v) * half;
    len -= half;
  }
  return base + Number(s[base]! <= v);
}
