/**
 * An evaluator of Istio's AuthorizationPolicy semantics, for replaying traffic against policies in tests
 * (istio.io/latest/docs/concepts/security/#authorization-policies and the API reference):
 * - the policies that apply to a request are those in the root namespace (mesh-wide) and in the
 *   workload's namespace whose selector is empty or a subset of the pod's labels (or targetRefs: refused);
 * - CUSTOM first (the ext-authz provider decides; here a callback, allow by default), then DENY (any
 *   matching rule denies), then ALLOW (when any ALLOW policy applies, the request needs a matching rule;
 *   an ALLOW policy without rules matches nothing);
 * - a rule matches when every field of one of its `from`, one of its `to` and all its `when` match;
 *   within a field, any listed value; `not*` fields exclude;
 * - strings: exact, prefix `abc*`, suffix `*abc`, `*` (non-empty); principals compared with and without
 *   `spiffe://`; paths also with Envoy URI templates `{*}` (one non-empty segment) and `{**}` (the rest);
 * - HTTP-only fields (methods, paths, hosts) never match a TCP request;
 * - `istio.io/dry-run: "true"` policies are not enforced; their would-be result is reported as shadow.
 */

export interface AuthzRequest {
  /** The receiving workload. */
  namespace: string;
  labels: Readonly<Record<string, string>>;
  /** The caller's principal (`spiffe://...` or without scheme); '' without mTLS. */
  principal: string;
  sourceIp?: string;
  /** '' for TCP. */
  method: string;
  path: string;
  port?: number;
}

interface StringMatchable {
  principals?: string[];
  notPrincipals?: string[];
  namespaces?: string[];
  notNamespaces?: string[];
  ipBlocks?: string[];
  notIpBlocks?: string[];
  requestPrincipals?: string[];
}
interface Operation {
  methods?: string[];
  notMethods?: string[];
  paths?: string[];
  notPaths?: string[];
  ports?: string[];
  notPorts?: string[];
  hosts?: string[];
}
interface Rule {
  from?: Array<{ source: StringMatchable }>;
  to?: Array<{ operation: Operation }>;
  when?: unknown[];
}
export interface PolicyLike {
  metadata: { name: string; namespace: string; annotations?: Record<string, string> };
  spec: {
    action?: 'ALLOW' | 'DENY' | 'CUSTOM' | 'AUDIT';
    selector?: { matchLabels?: Record<string, string> };
    targetRefs?: unknown[];
    rules?: Rule[];
  };
}

export interface AuthzDecision {
  allowed: boolean;
  /** `namespace/name` of the enforced policy that decided, if any. */
  policy?: string;
  /** What dry-run policies would have done (undefined when none applies). */
  shadowAllowed?: boolean;
  shadowPolicy?: string;
}

export function matchString(pattern: string, value: string): boolean {
  if (pattern === '*') return value !== '';
  if (pattern.startsWith('*')) return value.endsWith(pattern.slice(1));
  if (pattern.endsWith('*')) return value.startsWith(pattern.slice(0, -1));
  return pattern === value;
}

/** Envoy's URI template matcher as Istio uses it for `{*}` / `{**}` paths. */
export function matchPathTemplate(template: string, path: string): boolean {
  const t = template.split('/');
  const p = path.split('/');
  for (let i = 0; i < t.length; i++) {
    const seg = t[i]!;
    if (seg === '{**}') return i === t.length - 1 && p.length > i; // the rest, at least "/"
    if (i >= p.length) return false;
    if (seg === '{*}') {
      if (p[i] === '') return false;
      continue;
    }
    if (seg !== p[i]) return false;
  }
  return t.length === p.length;
}

export function matchPath(pattern: string, path: string): boolean {
  if (pattern.includes('{*}') || pattern.includes('{**}')) return matchPathTemplate(pattern, path);
  return matchString(pattern, path);
}

const bare = (p: string): string => p.replace(/^spiffe:\/\//, '');

function namespaceOf(principal: string): string {
  return /\/ns\/([^/]+)\/sa\//.exec(principal)?.[1] ?? '';
}

function ipInBlock(ip: string, block: string): boolean {
  const [net, bits] = block.split('/');
  const toInt = (a: string): number => a.split('.').reduce((n, o) => n * 256 + Number(o), 0);
  const prefix = bits === undefined ? 32 : Number(bits);
  if (!ip.includes('.') || !net!.includes('.')) return ip === net;
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return (toInt(ip) & mask) >>> 0 === (toInt(net!) & mask) >>> 0;
}

function anyOf<T>(list: T[] | undefined, test: (v: T) => boolean): boolean | undefined {
  return list === undefined ? undefined : list.some(test);
}

function sourceMatches(s: StringMatchable, r: AuthzRequest): boolean {
  const principal = bare(r.principal);
  const checks: Array<boolean | undefined> = [
    anyOf(s.principals, (p) => principal !== '' && matchString(bare(p), principal)),
    s.notPrincipals && !s.notPrincipals.some((p) => matchString(bare(p), principal)),
    anyOf(s.namespaces, (n) => principal !== '' && matchString(n, namespaceOf(principal))),
    s.notNamespaces && !s.notNamespaces.some((n) => matchString(n, namespaceOf(principal))),
    anyOf(s.ipBlocks, (b) => r.sourceIp !== undefined && ipInBlock(r.sourceIp, b)),
    s.notIpBlocks && !s.notIpBlocks.some((b) => r.sourceIp !== undefined && ipInBlock(r.sourceIp, b)),
    anyOf(s.requestPrincipals, () => false), // no JWTs in mesh-internal replay
  ];
  return checks.every((c) => c !== false);
}

function operationMatches(o: Operation, r: AuthzRequest): boolean {
  const http = r.method !== '';
  const httpOnly = o.methods || o.notMethods || o.paths || o.notPaths || o.hosts;
  if (httpOnly && !http) return false;
  const port = String(r.port ?? '');
  const checks: Array<boolean | undefined> = [
    anyOf(o.methods, (m) => matchString(m, r.method)),
    o.notMethods && !o.notMethods.some((m) => matchString(m, r.method)),
    anyOf(o.paths, (p) => matchPath(p, r.path)),
    o.notPaths && !o.notPaths.some((p) => matchPath(p, r.path)),
    anyOf(o.ports, (p) => p === port),
    o.notPorts && !o.notPorts.includes(port),
    anyOf(o.hosts, () => false),
  ];
  return checks.every((c) => c !== false);
}

function ruleMatches(rule: Rule, r: AuthzRequest): boolean {
  if (rule.when !== undefined) throw new Error('the test evaluator does not evaluate "when" conditions');
  const from = rule.from === undefined || rule.from.some((f) => sourceMatches(f.source, r));
  const to = rule.to === undefined || rule.to.some((t) => operationMatches(t.operation, r));
  return from && to;
}

function applies(p: PolicyLike, r: AuthzRequest, rootNamespace: string): boolean {
  if (p.spec.targetRefs !== undefined) throw new Error('targetRefs are not evaluated here');
  if (p.metadata.namespace !== r.namespace && p.metadata.namespace !== rootNamespace) return false;
  const want = p.spec.selector?.matchLabels ?? {};
  return Object.entries(want).every(([k, v]) => r.labels[k] === v);
}

/** CUSTOM → DENY → ALLOW over one set of policies (all enforced). */
function decide(
  policies: PolicyLike[],
  r: AuthzRequest,
  custom: (p: PolicyLike, r: AuthzRequest) => boolean,
): { allowed: boolean; policy?: string } {
  const id = (p: PolicyLike): string => `${p.metadata.namespace}/${p.metadata.name}`;
  const of = (action: string): PolicyLike[] => policies.filter((p) => (p.spec.action ?? 'ALLOW') === action);
  for (const p of of('CUSTOM'))
    if ((p.spec.rules ?? []).some((rule) => ruleMatches(rule, r)) && !custom(p, r))
      return { allowed: false, policy: id(p) };
  for (const p of of('DENY'))
    if ((p.spec.rules ?? []).some((rule) => ruleMatches(rule, r))) return { allowed: false, policy: id(p) };
  const allow = of('ALLOW');
  if (allow.length === 0) return { allowed: true };
  for (const p of allow)
    if ((p.spec.rules ?? []).some((rule) => ruleMatches(rule, r))) return { allowed: true, policy: id(p) };
  return { allowed: false };
}

export function evaluate(
  policies: readonly PolicyLike[],
  r: AuthzRequest,
  opts: { rootNamespace?: string; custom?: (p: PolicyLike, r: AuthzRequest) => boolean } = {},
): AuthzDecision {
  const root = opts.rootNamespace ?? 'istio-system';
  const custom = opts.custom ?? (() => true);
  const mine = policies.filter((p) => applies(p, r, root));
  const isDryRun = (p: PolicyLike): boolean => p.metadata.annotations?.['istio.io/dry-run'] === 'true';
  const enforced = decide(
    mine.filter((p) => !isDryRun(p)),
    r,
    custom,
  );
  const shadow = mine.filter(isDryRun);
  if (shadow.length === 0) return enforced;
  // Istio's shadow engine evaluates the dry-run policies as if they were the only ones.
  const s = decide(shadow, r, custom);
  return { ...enforced, shadowAllowed: s.allowed, ...(s.policy ? { shadowPolicy: s.policy } : {}) };
}
