/**
 * Whether a text line's ambiguous client span forges fields, or only holds quotes. Envoy does not escape
 * quotes in header values, so a User-Agent such as `Widget/1 "beta" "x64"` makes the span split into
 * more than four fields, exactly as a forged one does. The difference is what the pieces say: a forger
 * wants a reader to take them for fields Envoy wrote (an absent field '-', an address, a host:port, an
 * Envoy cluster, a request id), since anything else misleads nobody. A span with no such piece is a
 * value holding quotes: the parser still trusts none of it, but it is no evidence against its sender.
 */

/** IPv4 with an optional port, or a bracketed / bare IPv6 with an optional port. */
const ADDRESS =
  /^(?:\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?|\[[0-9a-f:.]+\](?::\d{1,5})?|[0-9a-f]*:[0-9a-f:.]*:[0-9a-f:.]*)$/i;
/** A host with a port, as :authority or an upstream host reads. */
const HOST_PORT = /^[a-z0-9][a-z0-9.-]*:\d{1,5}$/i;
/** Envoy's cluster names, as the tail of Istio's format carries them. */
const CLUSTER = /^(?:inbound|outbound)\||^(?:PassthroughCluster|BlackHoleCluster|InboundPassthroughCluster)/;
/** A request id as Envoy generates it. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function looksLikeField(piece: string): boolean {
  const p = piece.trim();
  // A piece may run on into bare tokens after a quote (`10.6.6.6:80" outbound|443||...`): each counts.
  for (const token of p.split(/["\s]+/)) {
    if (token === '') continue;
    if (ADDRESS.test(token) || HOST_PORT.test(token) || CLUSTER.test(token) || UUID.test(token)) return true;
  }
  return p === '-';
}

/** `span`: the client's fields as the parser kept them (quoted, separated by '" "'). */
export function forgesFields(span: string): boolean {
  let inner = span.trim();
  if (inner.startsWith('"')) inner = inner.slice(1);
  if (inner.endsWith('"')) inner = inner.slice(0, -1);
  const pieces = inner.split('" "');
  // Envoy's four fields are the first piece (X-Forwarded-For) and the last two (request id, :authority),
  // which may well look like fields; only what lies between them was packed into the header values.
  for (let i = 1; i < pieces.length - 2; i++) if (looksLikeField(pieces[i]!)) return true;
  return false;
}
