/**
 * L7 rules from learned routes: per HTTP method, the route templates a caller used, written in Istio's
 * path-template syntax only (`{*}` = exactly one whole segment, `{**}` = any rest, last only; Envoy's URI
 * template matcher). Ids are already `{*}` (features/path-template.ts); what still varies a lot under one
 * parent (user names, slugs) is folded into `{*}` too, so a policy does not list every value ever seen.
 */

export interface OperationOptions {
  /** More distinct literal children than this under one segment and they become `{*}`. */
  maxChildrenPerSegment: number;
  /** More paths than this for one method and they fold to their first segment plus `{**}`. */
  maxPathsPerMethod: number;
}

export const DEFAULT_OPERATION_OPTIONS: OperationOptions = {
  maxChildrenPerSegment: 12,
  maxPathsPerMethod: 48,
};

export interface Operation {
  methods: string[];
  paths: string[];
}

const ONE = '{*}';
const REST = '{**}';

interface Node {
  end: boolean;
  children: Map<string, Node>;
}

const node = (): Node => ({ end: false, children: new Map() });

/**
 * A route as policy segments, or undefined when it cannot be written safely: Istio reads `*` at either end
 * as a prefix/suffix wildcard and `{`...`}` as a template, so a literal segment holding them becomes `{*}`
 * (never wider than one segment); a path that does not start with `/` (`*`, absolute-form) is refused.
 */
function segmentsOf(route: string): string[] | undefined {
  if (!route.startsWith('/') || route.includes('?') || route.includes('#')) return undefined;
  return route
    .slice(1)
    .split('/')
    .map((s) => (s !== ONE && s !== '' && /[*{}]/.test(s) ? ONE : s));
}

function insert(root: Node, segments: string[]): void {
  let at = root;
  for (const s of segments) {
    let next = at.children.get(s);
    if (next === undefined) {
      next = node();
      at.children.set(s, next);
    }
    at = next;
  }
  at.end = true;
}

function merge(into: Node, from: Node): void {
  into.end ||= from.end;
  for (const [s, child] of from.children) {
    const mine = into.children.get(s);
    if (mine === undefined) into.children.set(s, child);
    else merge(mine, child);
  }
}

/** Fold literal children beyond the cap into one `{*}` child (empty segments stay: `{*}` needs a character). */
function fold(at: Node, max: number): void {
  const literal = [...at.children.keys()].filter((s) => s !== ONE && s !== '');
  if (literal.length > max) {
    let star = at.children.get(ONE);
    if (star === undefined) {
      star = node();
      at.children.set(ONE, star);
    }
    for (const s of literal) {
      merge(star, at.children.get(s)!);
      at.children.delete(s);
    }
  }
  for (const child of at.children.values()) fold(child, max);
}

function paths(at: Node, prefix: string, out: string[]): void {
  if (at.end) out.push(prefix === '' ? '/' : prefix);
  for (const [s, child] of at.children) paths(child, `${prefix}/${s}`, out);
}

/** The paths for one method's routes: folded, sorted, deduplicated. Undefined entries are dropped. */
export function pathsFor(
  routes: Iterable<string>,
  opts: OperationOptions = DEFAULT_OPERATION_OPTIONS,
): string[] {
  const root = node();
  for (const r of routes) {
    const segments = segmentsOf(r);
    if (segments !== undefined) insert(root, segments);
  }
  fold(root, opts.maxChildrenPerSegment);
  let out: string[] = [];
  paths(root, '', out);
  if (out.length > opts.maxPathsPerMethod) {
    // Still too many: keep the first segment and allow anything below it.
    out = out.map((p) => {
      const parts = p.split('/');
      // `/a/{**}` may not match `/a` itself: a one-segment path stays as it is.
      return parts.length <= 2 || parts[1] === '' ? p : `/${parts[1]}/${REST}`;
    });
  }
  return [...new Set(out)].sort();
}

/** Whether every route of a method could be written (a refused route means L7 cannot express the caller). */
export function allRoutesWritable(routes: Iterable<string>): boolean {
  for (const r of routes) if (segmentsOf(r) === undefined) return false;
  return true;
}

/** One operation per method (methods × paths in one operation would allow pairs never seen). */
export function operationsFor(
  routes: ReadonlyMap<string, ReadonlySet<string>>,
  opts: OperationOptions = DEFAULT_OPERATION_OPTIONS,
): Operation[] {
  const out: Operation[] = [];
  for (const method of [...routes.keys()].sort()) {
    const p = pathsFor(routes.get(method)!, opts);
    if (p.length > 0) out.push({ methods: [method], paths: p });
  }
  return out;
}
