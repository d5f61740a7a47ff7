/**
 * dns_tunnel: data smuggled out in DNS names. A tunnel encodes data in the labels under a domain its
 * owner's name server answers (`<base32 chunk>.<seq>.t.evil.example`): many queries, each with a long
 * random-looking subdomain, almost all different. Normal names are short, repeated and low in entropy;
 * CDNs' long hashed names repeat. DNS leaves no Envoy log, so this reads Hubble's DNS flows.
 */
import type { Finding } from '../../../core/finding.js';
import type { WindowContext } from '../../detector.js';
import type { DnsTunnelConfig } from './config.js';

export const DNS_TUNNEL = 'dns_tunnel';

/** Two-letter country domains under which names are registered a level lower (`example.co.uk`). */
const SECOND_LEVEL = /^(?:co|com|net|org|gov|ac|edu)$/;

/** `a.b.tunnel.example.co.uk` → [`tunnel.example.co.uk`, `a.b`]: the registered domain and what is under it. */
export function splitDomain(name: string): [string, string] {
  const labels = name.split('.');
  let keep = 2;
  const n = labels.length;
  if (n >= 3 && (labels[n - 1] ?? '').length === 2 && SECOND_LEVEL.test(labels[n - 2] ?? '')) keep = 3;
  if (n <= keep) return [name, ''];
  return [labels.slice(n - keep).join('.'), labels.slice(0, n - keep).join('.')];
}

/** Shannon entropy in bits per character of `s` without its dots. */
export function entropy(s: string): number {
  const counts = new Map<string, number>();
  let n = 0;
  for (const c of s) {
    if (c === '.') continue;
    counts.set(c, (counts.get(c) ?? 0) + 1);
    n++;
  }
  if (n === 0) return 0;
  let h = 0;
  for (const k of counts.values()) {
    const p = k / n;
    h -= p * Math.log2(p);
  }
  return h;
}

interface DomainTally {
  tunnelLike: number;
  distinct: Set<string>;
  entropySum: number;
  longest: number;
  examples: string[];
}

export function dnsTunnel(ctx: WindowContext, cfg: DnsTunnelConfig): Finding | undefined {
  const queries = ctx.window.dnsQueries;
  if (queries.length < cfg.min_queries) return undefined;
  const byDomain = new Map<string, DomainTally>();
  for (const q of queries) {
    if (cfg.ignore_suffixes.some((s) => q === s || q.endsWith(`.${s}`))) continue;
    const [domain, sub] = splitDomain(q);
    const chars = sub.length - (sub.split('.').length - 1);
    if (chars < cfg.min_subdomain_length) continue;
    const h = entropy(sub);
    if (h < cfg.min_entropy) continue;
    let t = byDomain.get(domain);
    if (t === undefined) {
      t = { tunnelLike: 0, distinct: new Set(), entropySum: 0, longest: 0, examples: [] };
      byDomain.set(domain, t);
    }
    t.tunnelLike++;
    t.distinct.add(sub);
    t.entropySum += h;
    t.longest = Math.max(t.longest, chars);
    if (t.examples.length < 3) t.examples.push(q.length > 120 ? `${q.slice(0, 117)}...` : q);
  }
  let best: [string, DomainTally] | undefined;
  for (const e of byDomain) if (best === undefined || e[1].tunnelLike > best[1].tunnelLike) best = e;
  if (best === undefined) return undefined;
  const [domain, t] = best;
  // Repeated names are a cache-busting CDN or a chatty client, not data: a tunnel's chunks differ.
  const uniqueShare = t.distinct.size / t.tunnelLike;
  if (t.tunnelLike < cfg.min_queries || uniqueShare < 0.8) return undefined;
  // Past the minimum, each further distinct chunk halves the odds that this is chance.
  const excess = t.distinct.size - cfg.min_queries + 1;
  const score = 1 - 0.02 * Math.pow(0.5, excess);
  if (score < cfg.threshold) return undefined;
  return {
    detector: DNS_TUNNEL,
    kind: 'exfiltration',
    entity: ctx.window.src,
    score,
    timeMs: ctx.endMs,
    firstEventMs: ctx.window.firstMs,
    evidence: {
      domain,
      tunnel_like_queries: t.tunnelLike,
      distinct_subdomains: t.distinct.size,
      mean_entropy_bits: Math.round((t.entropySum / t.tunnelLike) * 100) / 100,
      longest_subdomain: t.longest,
      dns_queries_in_window: queries.length,
      examples: t.examples,
      summary: `${t.distinct.size} DNS queries with long random-looking names under ${domain} (a DNS tunnel carries data this way)`,
    },
  };
}
