/**
 * Istio text-default access lines (no caller identity: the caller is the downstream address) for field
 * shifting attacks: benign callers, an attacker whose User-Agent holds '" "' and forges the fields after
 * it to frame another caller, and a client whose address Envoy took from X-Forwarded-For (port 0).
 */
export const T0 = Date.parse('2026-11-02T08:00:00Z');
export const BENIGN = ['10.44.1.10', '10.44.1.11', '10.44.1.12', '10.44.1.23'];
/** The benign caller the forged fields name. */
export const VICTIM = '10.44.1.23';
export const ATTACKER = '10.44.1.66';
/** Sends its lines through a proxy that trusts X-Forwarded-For: Envoy logs the claimed address, port 0. */
export const SPOOFED = '10.44.1.77';
/** Sends one quoted header once, by accident: not a finding. */
export const ONE_OFF = '10.44.1.11';

/** A span that, split naively, would put the victim's address and an egress cluster in Envoy's fields. */
export const FORGED_UA =
  `x" "-" "-" "-" "10.6.6.6:80" outbound|443||evil.example.com 10.6.6.6:1 10.6.6.6:2 ` +
  `${VICTIM}:43210 outbound_.8080_._.orders.shop.svc.cluster.local default`;

export function istioTextLine(timeMs: number, peer: string, ua: string, path = '/api/v1/orders'): string {
  return (
    `[${new Date(timeMs).toISOString()}] "GET ${path} HTTP/1.1" 200 - via_upstream - "-" 0 512 4 3 ` +
    `"-" "${ua}" "r-${timeMs}-${peer}" "orders:8080" "10.0.0.9:8080" inbound|8080|| 127.0.0.6:40000 ` +
    `10.0.0.9:8080 ${peer} outbound_.8080_._.orders.shop.svc.cluster.local default`
  );
}

/**
 * `minutes` of traffic in event-time order: each benign caller every 2 s (one with a quoted but
 * unambiguous User-Agent), the attacker and the spoofed client from minute 5 every 20 s with the
 * forged User-Agent, and one stray ambiguous line from ONE_OFF.
 */
export function fieldShiftingTraffic(minutes: number): string[] {
  const lines: string[] = [];
  for (let t = T0; t < T0 + minutes * 60_000; t += 2_000) {
    BENIGN.forEach((ip, i) => {
      const ua = i === 0 ? 'Mozilla/5.0 "quoted" agent' : 'curl/8.5';
      lines.push(istioTextLine(t + i * 10, `${ip}:${40_000 + i}`, ua, `/api/v1/orders/${(t / 2000) % 50}`));
    });
    const sinceAttack = t - (T0 + 5 * 60_000);
    if (sinceAttack >= 0 && sinceAttack % 20_000 === 0) {
      lines.push(istioTextLine(t + 100, `${ATTACKER}:51515`, FORGED_UA));
      lines.push(istioTextLine(t + 200, `${SPOOFED}:0`, FORGED_UA));
    }
    if (t === T0 + 4 * 60_000) lines.push(istioTextLine(t + 300, `${ONE_OFF}:40001`, FORGED_UA));
  }
  return lines;
}
