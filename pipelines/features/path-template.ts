/**
 * Path templates: /api/v1/orders/83121 → /api/v1/orders/{id}. Scanning is about never-seen routes,
 * not never-seen IDs, so baselines learn templates.
 */
/** Whether path[from, to) is an id: all digits, a long hex / uuid, or an opaque token. */
function isIdSegment(path: string, from: number, to: number): boolean {
  const length = to - from;
  if (length === 0) return false;
  let digits = 0;
  let hex = 0;
  for (let i = from; i < to; i++) {
    const c = path.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
    else if ((c >= 97 && c <= 102) || (c >= 65 && c <= 70) || c === 45) hex++;
  }
  if (digits === length) return true; // 83121
  if (length >= 16 && digits + hex === length && digits > 0) return true; // uuid / hex ids
  return length >= 20 && digits >= 4; // opaque tokens
}

/**
 * Scans segment by segment and builds a new string only when a segment is an id (most paths have none).
 * `placeholder` replaces each id segment: `{id}` for baselines, Istio's one-segment template `{*}` for
 * authorization policies.
 */
export function pathTemplate(path: string, placeholder = '{id}'): string {
  let out: string | undefined;
  let copied = 0; // path[0, copied) is already in `out`
  let from = 0;
  while (from <= path.length) {
    let to = path.indexOf('/', from);
    if (to === -1) to = path.length;
    if (isIdSegment(path, from, to)) {
      out = (out ?? '') + path.slice(copied, from) + placeholder;
      copied = to;
    }
    from = to + 1;
  }
  return out === undefined ? path : out + path.slice(copied);
}
