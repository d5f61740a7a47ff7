/** The check every list of the registry passes when its module loads (so a clash fails at start-up). */
import type { Component, ComponentKind, Factory } from '../core/component.js';

export type AnyFactory = Factory<ComponentKind, never, Component | object>;

/** A type name is unique within its kind and lower_snake_case (its folder is the same name in kebab-case). */
export function checked<T extends readonly { kind: ComponentKind; type: string }[]>(factories: T): T {
  const seen = new Set<string>();
  for (const f of factories) {
    const key = `${f.kind}/${f.type}`;
    if (seen.has(key)) throw new Error(`meshguard registry: duplicate ${f.kind} type "${f.type}"`);
    if (!/^[a-z][a-z0-9]*(_[a-z0-9]+)*$/.test(f.type))
      throw new Error(`meshguard registry: ${f.kind} type "${f.type}" is not lower_snake_case`);
    seen.add(key);
  }
  return Object.freeze([...factories]) as unknown as T;
}
