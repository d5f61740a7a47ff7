/**
 * Grammar checks on one piece of request content (a query value, a query key, the path): decode it the
 * way a server would (percent-encoding up to three layers, `+` as space, overlong UTF-8 and `%u` forms of
 * `.` `/` `\`), then look for the shapes of injection and traversal. Cheap: most values are plain
 * identifiers and leave by the fast path without a regular expression.
 *
 * A hit is `strong` when the shape alone is an attack (a tautology, UNION SELECT, `../`, a script tag,
 * a null byte): one such request is evidence. A weak hit (a lone quote, a SQL keyword, markup, an
 * overlong or binary value) is ordinary in some fields (a search box with "O'Brien") and counts only
 * where the service's request model finds the request unusual.
 */

export type HitFamily =
  'sql' | 'traversal' | 'xss' | 'null_byte' | 'crlf' | 'command' | 'quote' | 'markup' | 'overlong' | 'binary';

export interface Hit {
  family: HitFamily;
  /** What matched, for people: `tautology`, `union`, `script_tag`... */
  what: string;
  strong: boolean;
}

/** `sql:tautology`: how a hit is shown in redacted samples and counted in evidence. */
export function hitLabel(h: Hit): string {
  return `${h.family}:${h.what}`;
}

/** Values longer than this (decoded) are overlong: buffer overflows, stuffed parameters. */
export const OVERLONG_CHARS = 1024;
/** Decoding stops after this many layers; what is still encoded after it is looked at as it is. */
const MAX_DECODE_LAYERS = 3;

const hexValue = (c: number): number =>
  c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;

/** One layer of percent-decoding, byte by byte into latin1 chars (never throws on bad UTF-8 or `%zz`). */
function percentDecodeOnce(s: string, plusIsSpace: boolean): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 43 && plusIsSpace) {
      out += s.slice(from, i) + ' ';
      from = i + 1;
    } else if (c === 37 && i + 2 < s.length) {
      // %u002e (IIS): a 16-bit code point
      if ((s.charCodeAt(i + 1) | 32) === 117 && i + 5 < s.length) {
        const digits = [2, 3, 4, 5].map((k) => hexValue(s.charCodeAt(i + k)));
        if (digits.every((d) => d >= 0)) {
          out += s.slice(from, i) + String.fromCharCode(digits.reduce((v, d) => (v << 4) | d, 0));
          i += 5;
          from = i + 1;
          continue;
        }
      }
      const hi = hexValue(s.charCodeAt(i + 1));
      const lo = hexValue(s.charCodeAt(i + 2));
      if (hi >= 0 && lo >= 0) {
        out += s.slice(from, i) + String.fromCharCode((hi << 4) | lo);
        i += 2;
        from = i + 1;
      }
    }
  }
  return from === 0 ? s : out + s.slice(from);
}

/** Overlong UTF-8 forms of `.`, `/` and `\` (`%c0%ae`, `%c0%af`, `%c1%9c`): servers that accept them traverse. */
const OVERLONG_UTF8 = /\xc0[\xae\xaf]|\xc1[\x9c\x1c]|\xe0\x80[\xae\xaf]/g;
const overlongChar = (m: string): string => {
  const last = m.charCodeAt(m.length - 1);
  return last === 0xae ? '.' : last === 0xaf ? '/' : '\\';
};

export interface Decoded {
  text: string;
  /** Percent-decoding layers it took (2+: double-encoded). */
  layers: number;
}

/** Decode as a server would, up to MAX_DECODE_LAYERS layers. */
export function decodeContent(raw: string, plusIsSpace: boolean): Decoded {
  let text = raw;
  let layers = 0;
  while (layers < MAX_DECODE_LAYERS && text.includes('%')) {
    const next = percentDecodeOnce(text, plusIsSpace && layers === 0);
    if (next === text) break;
    text = next;
    layers++;
  }
  if (layers === 0 && plusIsSpace && text.includes('+')) text = percentDecodeOnce(text, true);
  if (text.includes('\xc0') || text.includes('\xc1') || text.includes('\xe0'))
    text = text.replace(OVERLONG_UTF8, overlongChar);
  return { text, layers };
}

/** Characters that never start an attack shape alone: identifiers, numbers, dates, plain tokens. */
function isPlain(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ok =
      (c >= 48 && c <= 58) || // 0-9 :
      (c >= 64 && c <= 90) || // @ A-Z
      (c >= 97 && c <= 122) || // a-z
      c === 45 || // -
      c === 95 || // _
      c === 44 || // ,
      c === 126 || // ~
      (c === 46 && s.charCodeAt(i + 1) !== 46); // . (not ..)
    if (!ok) return false;
  }
  return true;
}

interface Rule {
  re: RegExp;
  family: HitFamily;
  what: string;
}

// Lower-cased, decoded text. SQL comments between keywords (`union/**/select`) are spaces to a database.
const STRONG: readonly Rule[] = [
  { family: 'null_byte', what: 'nul', re: /\x00/ },
  { family: 'traversal', what: 'dot_dot_slash', re: /(?:^|[\\/])\.\.(?:[\\/]|$)|\.\.[\\/]/ },
  {
    family: 'traversal',
    what: 'sensitive_file',
    re: /\/etc\/(?:passwd|shadow|hosts|group)\b|\bwin\.ini\b|\bboot\.ini\b|\/proc\/self\/|\bweb-inf\/web\.xml|^file:\/\//,
  },
  { family: 'crlf', what: 'header_injection', re: /[\r\n][\w-]{1,40}\s*:/ },
  {
    family: 'sql',
    what: 'union',
    re: /\bunion(?:\s|\/\*.*?\*\/|\()+(?:all(?:\s|\/\*.*?\*\/)+|distinct\s+)?\(?select\b/,
  },
  {
    family: 'sql',
    what: 'tautology',
    re: /['"`)]\s*\)*\s*(?:or|and|xor|\|\||&&)\b\s*\(*\s*(?:['"`]?[\w.-]*['"`]?\s*(?:=|<>|!=|<=|>=|<|>|\blike\b|\bis\b|\bin\s*\()|(?:true|false|not)\b|\d+\s*(?:--|#|\/\*|$))/,
  },
  {
    family: 'sql',
    what: 'tautology',
    re: /(?:^|\s)(?:or|and)\s+(\d+|'[^']*'|"[^"]*")\s*=\s*\1(?:\s|$|--|#|;)/,
  },
  { family: 'sql', what: 'tautology', re: /^-?\d+\)*\s+(?:or|and)\s+\d+\s*[=<>]/ },
  {
    family: 'sql',
    what: 'comment',
    re: /['"`]\s*\)*\s*(?:--|#|\/\*|;\s*--)|\border\s+by\s+\d+\s*(?:--|#|\/\*)/,
  },
  {
    family: 'sql',
    what: 'stacked_query',
    re: /;\s*(?:drop\s+(?:table|database)|delete\s+from|insert\s+into|update\s+\w+\s+set|truncate\s+table|alter\s+table|create\s+table|exec(?:ute)?\s|declare\s+@|shutdown\b)/,
  },
  {
    family: 'sql',
    what: 'time_delay',
    re: /\b(?:sleep|pg_sleep|benchmark)\s*\(\s*\d|\bwaitfor\s+delay\s+'|dbms_pipe\.receive_message/,
  },
  {
    family: 'sql',
    what: 'schema_probe',
    re: /\binformation_schema\b|@@version|\bsysobjects\b|\bxp_cmdshell\b|\bload_file\s*\(|\binto\s+(?:out|dump)file\b|\b(?:extractvalue|updatexml)\s*\(|\bchar\s*\(\s*\d+\s*(?:,|\))/,
  },
  { family: 'xss', what: 'script_tag', re: /<\s*\/?\s*script\b/ },
  {
    family: 'xss',
    what: 'event_handler',
    re: /<[a-z][^>]*[\s/"']on[a-z]{3,}\s*=|['"]\s*[\s/]on[a-z]{3,}\s*=\s*['"]?[\w(]/,
  },
  { family: 'xss', what: 'javascript_uri', re: /(?:^|[\s"'=(])(?:java|vb)script\s*:/ },
  {
    family: 'xss',
    what: 'active_tag',
    re: /<\s*(?:iframe|svg|img|object|embed|body|input|details|math|video|audio|marquee|base|link|meta|style)\b[^<]*[\s/>]/,
  },
  {
    family: 'xss',
    what: 'dom_access',
    re: /\bdocument\s*\.\s*(?:cookie|domain|location|write)\b|\b(?:alert|prompt|confirm)\s*\(/,
  },
  { family: 'command', what: 'jndi_lookup', re: /\$\{\s*(?:jndi|lower|upper|env|sys|::-)/ },
  {
    family: 'command',
    what: 'shell',
    re: /(?:[;|`]|\$\(|&&)\s*(?:cat|ls|id|whoami|uname|wget|curl|nc|ncat|bash|sh|ping|nslookup|powershell|cmd(?:\.exe)?)\b/,
  },
];

const SQL_KEYWORD = /\b(?:select|union|insert|update|delete|drop|from|where|having|exec)\b/;

/**
 * The strongest hit in one piece of content, or undefined. `plusIsSpace` for query keys and values
 * (form encoding), not for paths.
 */
export function inspectContent(raw: string, plusIsSpace: boolean): Hit | undefined {
  if (raw.length <= 256 && isPlain(raw)) return undefined;
  const { text } = decodeContent(raw, plusIsSpace);
  const lower = text.toLowerCase();
  for (const rule of STRONG)
    if (rule.re.test(lower)) return { family: rule.family, what: rule.what, strong: true };
  return weakHit(text, lower);
}

function weakHit(text: string, lower: string): Hit | undefined {
  if (text.length > OVERLONG_CHARS) return { family: 'overlong', what: 'value', strong: false };
  let controls = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 32 && c !== 9 && c !== 10 && c !== 13) || c === 127) controls++;
  }
  if (controls > 0) return { family: 'binary', what: 'control_chars', strong: false };
  // In JSON-ish values (filters, structured search) double quotes are structure, not a break-out.
  const json = /^\s*[[{]/.test(text) && /[\]}]\s*$/.test(text);
  const quote = text.includes("'") || (!json && text.includes('"')) || text.includes('`');
  if (quote && SQL_KEYWORD.test(lower)) return { family: 'sql', what: 'keyword', strong: false };
  if (text.includes('<') && /<\s*[a-z/!]/.test(lower))
    return { family: 'markup', what: 'tag', strong: false };
  if (quote) return { family: 'quote', what: 'quote', strong: false };
  return undefined;
}
