/**
 * Rejection reasons are free text (they name the field and the value); the metric label must be bounded.
 * The class is the reason's leading phrase, slugged, and at most MAX_CLASSES distinct values ever.
 */
const MAX_CLASSES = 32;
const seen = new Set<string>();

export function reasonClass(reason: string): string {
  const head = reason.split(/[:(\[{"]/)[0]!.toLowerCase();
  const slug =
    head
      .replace(/[^a-z0-9]+/g, '_')
      .replace(/^_+|_+$/g, '')
      .split('_')
      .slice(0, 5)
      .join('_') || 'other';
  if (seen.has(slug)) return slug;
  if (seen.size >= MAX_CLASSES) return 'other';
  seen.add(slug);
  return slug;
}
