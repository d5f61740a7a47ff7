/**
 * The access-log parser contract: a line in, one result per record out (a MeshEvent or a rejection reason),
 * never a throw. Options are bound when the parser is created.
 */
import type { Factory } from '../core/component.js';
import type { InputFormat, ParseResult } from '../core/event.js';
import type { MeshNamingSchema } from './config.js';
import { parseOptionsOf, type ParseOptions } from './options.js';

export type Emit = (result: ParseResult) => void;

export interface Parser {
  readonly format: InputFormat;
  /** One emit per record: most lines are one record, an OTLP request is many, an empty request none. */
  parse(line: string, emit: Emit): void;
}

export function reject(reason: string): ParseResult {
  return { ok: false, reason };
}

/** A format's parse function: what every format folder implements. */
export type ParseFn = (line: string, opts: ParseOptions, emit: Emit) => void;

/** The factory of a format parser: `type` is the folder name in snake_case. */
export function parserFactory(
  type: string,
  format: InputFormat,
  configSchema: MeshNamingSchema,
  parse: ParseFn,
): Factory<'parser', MeshNamingSchema, Parser> {
  return {
    kind: 'parser',
    type,
    configSchema,
    create(config) {
      const opts = parseOptionsOf(config);
      return { format, parse: (line, emit) => parse(line, opts, emit) };
    },
  };
}
