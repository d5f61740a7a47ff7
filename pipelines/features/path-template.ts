/**
 * Path templates: /api/v1/orders/83121 → /api/v1/orders/{id}. Scanning is about never-seen routes,
 * not never-seen IDs, so baselines learn templates.
 */
function isIdSegment(seg: string): boolean {
  if (seg.length === 0) return false;
  let digits = 0;
  let hex = 0;
  for (let i = 0; i < seg.length; i++) {
    const c = seg.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
    else if ((c >= 97 && c <= 102) || (c >= 65 && c <= 70) || c === 45) hex++;
  }
  if (digits === seg.length) return true; // 83121
  if (seg.length >= 16 && digits + hex === seg.length && digits > 0) return true; // uuid / hex ids
  return seg.length >= 20 && digits >= 4; // opaque tokens
}

export function pathTemplate(path: string): string {
  const parts = path.split('/');
  let changed = false;
  for (let i = 0; i < parts.length; i++) {
    if (isIdSegment(parts[i]!)) {
      parts[i] = '{id}';
      changed = true;
    }
  }
  return changed ? parts.join('/') : path;
}
