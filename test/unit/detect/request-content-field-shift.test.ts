/**
 * forgesFields: an ambiguous client span is evidence only when its packed pieces read as fields Envoy
 * writes; a User-Agent quoting its own parts is not.
 */
import { describe, expect, it } from 'vitest';
import { forgesFields } from '../../../pipelines/detect/request-content/field-shift.js';
import { FORGED_UA } from '../../helpers/field-shifting.js';

/** The client's four quoted fields as a text line holds them (X-Forwarded-For, UA, request id, authority). */
const span = (ua: string, rid = 'r-1', authority = 'orders:8080') => `"-" "${ua}" "${rid}" "${authority}"`;

describe('forgesFields', () => {
  it('holds the forged span of the field-shifting attack against its sender', () => {
    expect(forgesFields(span(FORGED_UA))).toBe(true);
  });

  it('holds pieces that read as fields: an absent field, an address, a host:port, a cluster, a request id', () => {
    expect(forgesFields(span('x" "-'))).toBe(true);
    expect(forgesFields(span('x" "10.6.6.6'))).toBe(true);
    expect(forgesFields(span('x" "[fd00::1]:443'))).toBe(true);
    expect(forgesFields(span('x" "payments:9090'))).toBe(true);
    expect(forgesFields(span('x" "y" outbound|443||evil.example.com'))).toBe(true);
    expect(forgesFields(span('x" "3f2b8c1e-9a4d-4e7f-8b2c-1d5e6f7a8b9c'))).toBe(true);
  });

  it('does not hold a User-Agent that quotes its parts, whatever the real fields around it are', () => {
    const ua = 'Mozilla/5.0 (X11; Linux x86_64) "Widget" "Build 7.2" Safari/537.36';
    expect(forgesFields(span(ua))).toBe(false);
    expect(forgesFields(span(ua, '3f2b8c1e-9a4d-4e7f-8b2c-1d5e6f7a8b9c', '10.0.0.9:8080'))).toBe(false);
    expect(forgesFields(span('okhttp/4.12 "android" "14"'))).toBe(false);
  });
});
