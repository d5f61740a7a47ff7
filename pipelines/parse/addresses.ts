/**
 * Hosts and addresses as log fields carry them: `ip:port`, `[v6]:port`, authorities, SNIs.
 */
import { MEMO_ENTRIES, Memo } from './memo.js';

/** `10.0.0.1:8080` → `10.0.0.1`, `[fd00::1]:80` → `fd00::1`; '' for Envoy-internal or absent addresses. */
export function addressHost(a: string): string {
  if (a === '') return '';
  const c0 = a.charCodeAt(0);
  if (c0 === 91 /* [ */) {
    const end = a.indexOf(']');
    return end === -1 ? '' : a.slice(1, end);
  }
  // envoy://internal_client_address/ (ambient / internal listeners) and unix sockets carry no IP.
  if (c0 === 101 /* e */ && a.startsWith('envoy://')) return '';
  if (c0 === 47 /* / */ || a.startsWith('unix:')) return '';
  // Older Envoy printed upstream hosts as tcp://10.0.2.1:80.
  if (c0 === 116 /* t */ && a.startsWith('tcp://')) return addressHost(a.slice(6));
  const colon = a.lastIndexOf(':');
  if (colon === -1) return a;
  // A bare IPv6 address without brackets has more than one colon: keep it whole.
  return a.indexOf(':') === colon ? a.slice(0, colon) : a;
}

/** `10.0.0.1:8080` → 8080, `[fd00::1]:80` → 80; 0 when absent (Envoy prints port 0 for addresses it derived). */
export function addressPort(a: string): number {
  if (a === '') return 0;
  const colon = a.lastIndexOf(':');
  if (colon === -1) return 0;
  if (a.charCodeAt(0) !== 91 /* [ */ && a.indexOf(':') !== colon) return 0; // bare IPv6, no port
  if (a.charCodeAt(0) === 91 && a.charCodeAt(colon - 1) !== 93 /* ] */) return 0;
  const n = Number(a.slice(colon + 1));
  return Number.isInteger(n) && n > 0 && n < 65536 ? n : 0;
}

/** Authority / SNI host without its port, lower-cased (hosts are case-insensitive). */
export function hostOnly(h: string): string {
  if (h === '') return '';
  if (h.charCodeAt(0) === 91) return addressHost(h);
  const colon = h.lastIndexOf(':');
  const host = colon === -1 || h.indexOf(':') !== colon ? h : h.slice(0, colon);
  return host.toLowerCase();
}

/** mTLS SNI `outbound_.8000_._.httpbin.foo.svc.cluster.local` → the service host; other SNIs as they are. */
export function sniHost(sni: string): string {
  if (sni === '') return '';
  if (!sni.startsWith('outbound_.')) return sni.toLowerCase();
  const a = sni.indexOf('_.', 10);
  if (a === -1) return '';
  const b = sni.indexOf('_.', a + 2);
  return b === -1 ? '' : sni.slice(b + 2);
}

export function isIpLiteral(h: string): boolean {
  if (h === '') return false;
  if (h.indexOf(':') !== -1) return true; // IPv6
  const first = h.charCodeAt(0);
  const last = h.charCodeAt(h.length - 1);
  return first >= 48 && first <= 57 && last >= 48 && last <= 57;
}

const sniHosts = new Memo<string>(MEMO_ENTRIES);

/** sniHost, memoized per SNI. */
export function sniHostCached(sni: string): string {
  if (sni === '') return '';
  let h = sniHosts.get(sni);
  if (h === undefined) h = sniHosts.set(sni, sniHost(sni));
  return h;
}
