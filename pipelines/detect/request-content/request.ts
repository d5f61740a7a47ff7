/**
 * One request line (method, path, query) read for its content: the strongest grammar hit and where it
 * is, a redacted sample (`GET /api/items?id=<sql:tautology>&page=<int>`: route template, query keys and
 * value classes, never a raw value), and the shape tokens the service's request model learns (method,
 * path shape, query keys and their value classes).
 */
import { pathTemplate } from '../../features/path-template.js';
import { decodeContent, hitLabel, inspectContent, type Hit } from './grammar.js';

/** Query parameters read per request; a request with more is itself unusual (its count is a token). */
const MAX_PARAMS = 24;
const MAX_SAMPLE_CHARS = 240;
const PLAIN_KEY = /^[A-Za-z0-9_.\-[\]]{1,40}$/;

export interface InspectedRequest {
  /** The strongest hit (strong before weak; path before query on a tie). */
  hit: Hit | undefined;
  /** Method, route template, query keys and value classes; hits shown by their label. */
  sample: string;
  /** Shape tokens for the request model; no raw value is ever one. */
  tokens: string[];
  /** The tokens joined: equal shapes share one model score. */
  shape: string;
  /**
   * The route template as shown (ids as `{id}`, segments with a hit as their label), for telling a
   * scanner's many routes from one attacked endpoint.
   */
  template: string;
}

/** What kind of value this is, the way the request model sees it (`int`, `word`, `text+q`, `json+long`...). */
export function valueClass(raw: string): string {
  if (raw === '') return 'empty';
  const text = raw.includes('%') || raw.includes('+') ? decodeContent(raw, true).text : raw;
  let cls: string;
  if (/^-?\d{1,18}$/.test(text)) cls = 'int';
  else if (/^-?\d+\.\d+$/.test(text)) cls = 'num';
  else if (/^(?:true|false|yes|no|on|off)$/i.test(text)) cls = 'bool';
  else if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(text)) cls = 'uuid';
  else if (/^\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$/.test(text)) cls = 'date';
  else if (/^[0-9a-f]{16,}$/i.test(text)) cls = 'hex';
  else if (/^[A-Za-z]{1,32}$/.test(text)) cls = 'word';
  else if (/^[A-Za-z0-9_.-]{1,32}$/.test(text)) cls = 'token';
  else if (/^[A-Za-z0-9+/_.=-]{16,}$/.test(text)) cls = 'b64';
  else if (/^[^\s@]+@[^\s@]+\.[a-z]{2,}$/i.test(text)) cls = 'email';
  else if (/^https?:\/\//i.test(text)) cls = 'url';
  else if (/^\s*[[{]/.test(text)) cls = 'json';
  else if (/\s/.test(text)) cls = 'text';
  else cls = 'mixed';
  if (cls === 'text' || cls === 'mixed') {
    if (/['"`]/.test(text)) cls += '+q';
    if (/[<>]/.test(text)) cls += '+m';
    if (/[^\x00-\x7f]/.test(text)) cls += '+u';
  }
  if (text.length > 256) cls += '+long';
  return cls;
}

const stronger = (a: Hit | undefined, b: Hit | undefined): Hit | undefined =>
  b === undefined ? a : a === undefined || (b.strong && !a.strong) ? b : a;

/** Path segments with a hit are shown by its label, then ids become `{id}`. */
function inspectPath(path: string): { hit: Hit | undefined; shown: string } {
  const whole = inspectContent(path, false);
  if (whole === undefined) return { hit: undefined, shown: pathTemplate(path) };
  let hit: Hit | undefined;
  const shownSegments: string[] = [];
  // Past the first segment with a hit, the rest is the payload's (`/../../etc/passwd`): not shown.
  for (const segment of path.split('/')) {
    const h = inspectContent(segment, false);
    hit = stronger(hit, h);
    if (h === undefined) shownSegments.push(segment);
    else {
      shownSegments.push(`<${hitLabel(h)}>`, '…');
      break;
    }
  }
  // A traversal spread over segments (`/a/../../etc/passwd`) is only visible whole.
  if (hit === undefined || (whole.strong && !hit.strong)) {
    hit = whole;
    return { hit, shown: `<${hitLabel(whole)}>` };
  }
  if (shownSegments[shownSegments.length - 1] === '…' && shownSegments.length - 1 >= path.split('/').length)
    shownSegments.pop(); // the hit was the last segment: nothing was left out
  return { hit, shown: pathTemplate(shownSegments.join('/')) };
}

export function inspectRequest(method: string, path: string, query: string): InspectedRequest {
  const { hit: pathHit, shown } = inspectPath(path);
  let hit = pathHit;
  const tokens: string[] = [`m:${method}`];
  const parts = shown.split('/');
  tokens.push(`d:${Math.min(parts.length - 1, 8)}`);
  for (let i = 1; i < Math.min(parts.length, 6); i++) tokens.push(`s${i}:${parts[i]!.slice(0, 40)}`);
  let sample = `${method} ${shown}`;

  if (query !== '') {
    const params = query.split('&');
    tokens.push(`n:${Math.min(params.length, MAX_PARAMS + 1)}`);
    const shownParams: string[] = [];
    for (let i = 0; i < params.length && i < MAX_PARAMS; i++) {
      const param = params[i]!;
      const eq = param.indexOf('=');
      const rawKey = eq === -1 ? param : param.slice(0, eq);
      const rawValue = eq === -1 ? '' : param.slice(eq + 1);
      const keyHit = inspectContent(rawKey, true);
      const valueHit = inspectContent(rawValue, true);
      hit = stronger(stronger(hit, keyHit), valueHit);
      const key = keyHit === undefined && PLAIN_KEY.test(rawKey) ? rawKey : '<key>';
      const cls = valueClass(rawValue);
      tokens.push(`k:${key}`, `v:${key}=${cls}`);
      const valueShown = valueHit !== undefined ? hitLabel(valueHit) : cls;
      shownParams.push(keyHit !== undefined ? `<${hitLabel(keyHit)}>` : `${key}=<${valueShown}>`);
    }
    if (params.length > MAX_PARAMS) shownParams.push(`…+${params.length - MAX_PARAMS}`);
    sample += `?${shownParams.join('&')}`;
  }
  if (sample.length > MAX_SAMPLE_CHARS) sample = `${sample.slice(0, MAX_SAMPLE_CHARS - 1)}…`;
  return { hit, sample, tokens, shape: tokens.join(' '), template: shown };
}
