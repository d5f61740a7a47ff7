/** The http source without the server: its factory, who may post, and the in-flight bound. */
import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { bearerMatches, factory, HttpError, HttpSource } from '../../../pipelines/sources/http/index.js';

const defaults = Value.Default(factory.configSchema, {}) as typeof factory.configSchema.static;

describe('http source', () => {
  it('is registered as source "http" and creates from its config defaults', () => {
    expect(factory.kind).toBe('source');
    expect(factory.type).toBe('http');
    expect(defaults).toMatchObject({
      token: '',
      allow_unauthenticated: false,
      body_limit_bytes: 10 * 1024 * 1024,
      max_pending_events: 100_000,
    });
    expect(factory.create(defaults, {} as never)).toBeInstanceOf(HttpSource);
  });

  it('is open without a token and needs the exact bearer token with one', () => {
    expect(new HttpSource(defaults).authorized(undefined)).toBe(true);
    const source = new HttpSource({ ...defaults, token: 'tok' });
    expect(source.authorized('Bearer tok')).toBe(true);
    expect(source.authorized('bearer  tok ')).toBe(true);
    expect(source.authorized('Bearer tok2')).toBe(false);
    expect(source.authorized(undefined)).toBe(false);
    expect(bearerMatches('Bearer ', '')).toBe(false);
  });

  it('refuses with 429 past max_pending_events and admits again once released', () => {
    const source = new HttpSource({ ...defaults, max_pending_events: 3 });
    const release = source.admit(2);
    expect(() => source.admit(2)).toThrow(HttpError);
    try {
      source.admit(2);
    } catch (error) {
      expect((error as HttpError).statusCode).toBe(429);
      expect((error as HttpError).headers).toEqual({ 'retry-after': '1' });
    }
    release();
    expect(() => source.admit(3)).not.toThrow();
  });
});
