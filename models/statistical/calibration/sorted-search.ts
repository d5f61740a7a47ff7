/**
 * Binary searches in the first n values of a sorted array, with the cheap answers tried first: below the
 * smallest value or beyond the largest (raw scores of 0 against a history full of zeros, a part that is
 * off), and the hint (the answer of the same search last time, or one already known to be close), right
 * when the value falls between the same two neighbours again. A plain binary search takes ten
 * unpredictable steps over a thousand values; galloping out from the hint was slower still, most raw
 * scores not being close to the last one. The answers are those of a plain binary search.
 */

/** First index whose value is >= v (n when none). */
export function lowerBound(s: Float64Array, n: number, v: number, hint: number): number {
  if (n === 0 || v <= s[0]!) return 0;
  if (s[n - 1]! < v) return n;
  if (hint >= 1 && hint < n && s[hint - 1]! < v && s[hint]! >= v) return hint;
  // s[0] < v <= s[n - 1]: the answer is in [1, n - 1].
  let lo = 1;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (s[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index whose value is > v (n when none): the place after v's equals. */
export function upperBound(s: Float64Array, n: number, v: number, hint: number): number {
  if (n === 0 || v < s[0]!) return 0;
  if (s[n - 1]! <= v) return n;
  if (hint >= 1 && hint < n && s[hint - 1]! <= v && s[hint]! > v) return hint;
  // s[0] <= v < s[n - 1]: the answer is in [1, n - 1].
  let lo = 1;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (s[mid]! <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
