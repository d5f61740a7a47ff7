/** Loads the parser fixtures: one record per line, '#' lines are comments citing where the line comes from. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { MeshEvent, ParseResult } from '../../../pipelines/core/event.js';
import { defaultParseOptions, parseLine, type ParseOptions } from '../../../pipelines/parse/index.js';

const dir = fileURLToPath(new URL('../../fixtures/parse/', import.meta.url));

export function fixtureLines(name: string): string[] {
  return readFileSync(dir + name, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#'));
}

/** Every result one line produces (OTLP lines produce several). */
export function parseAll(line: string, opts: ParseOptions = defaultParseOptions): ParseResult[] {
  const out: ParseResult[] = [];
  parseLine(line, 'auto', opts, (r) => out.push(r));
  return out;
}

/** The single event of a one-record line; fails the test with the reason if it was rejected. */
export function parseOne(line: string, opts: ParseOptions = defaultParseOptions): MeshEvent {
  const out = parseAll(line, opts);
  if (out.length !== 1) throw new Error(`expected 1 result, got ${out.length}`);
  const r = out[0]!;
  if (!r.ok) throw new Error(`rejected: ${r.reason}`);
  return r.event;
}

export function reasonOf(line: string, opts: ParseOptions = defaultParseOptions): string {
  const out = parseAll(line, opts);
  if (out.length !== 1) throw new Error(`expected 1 result, got ${out.length}`);
  const r = out[0]!;
  if (r.ok) throw new Error('expected a rejection, got an event');
  return r.reason;
}
