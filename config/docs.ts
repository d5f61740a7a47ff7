/**
 * The configuration reference, generated from the schema (the only declaration of every key), so the
 * docs cannot drift: a test regenerates it and compares with docs/config.md.
 */
import { MeshguardConfig } from './schema.js';

type Schema = Record<string, unknown>;

function typeOf(s: Schema): string {
  if (Array.isArray(s.anyOf)) {
    const consts = (s.anyOf as Schema[]).map((m) => m.const).filter((c) => c !== undefined);
    if (consts.length === (s.anyOf as Schema[]).length)
      return consts.map((c) => `\`${String(c)}\``).join(' \\| ');
    return 'one of several objects (see below)';
  }
  if (s.type === 'array') return `list of ${typeOf((s.items ?? {}) as Schema)}`;
  if (s.type === 'object' && s.patternProperties) return 'map of string';
  return String(s.type ?? 'any');
}

function defaultOf(s: Schema): string {
  if (s.default === undefined) return '';
  if (typeof s.default === 'object' && s.default !== null && Object.keys(s.default).length === 0) return '';
  return `\`${JSON.stringify(s.default)}\``;
}

function rows(schema: Schema, prefix: string, out: string[]): void {
  const props = (schema.properties ?? {}) as Record<string, Schema>;
  for (const [key, s] of Object.entries(props)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (s.type === 'object' && s.properties) {
      rows(s, path, out);
      continue;
    }
    const desc = String(s.description ?? '').replace(/\|/g, '\\|');
    out.push(`| \`${path}\` | ${typeOf(s)} | ${defaultOf(s)} | ${desc} |`);
    if (s.type === 'array' && Array.isArray((s.items as Schema | undefined)?.anyOf)) {
      for (const member of (s.items as Schema).anyOf as Schema[]) {
        if (!member.properties) continue;
        const kind = ((member.properties as Record<string, Schema>).type?.const as string) ?? '?';
        const sub: string[] = [];
        rows(
          {
            properties: Object.fromEntries(
              Object.entries(member.properties as Record<string, Schema>).filter(([k]) => k !== 'type'),
            ),
          },
          `${path}[type=${kind}]`,
          sub,
        );
        out.push(...sub);
      }
    }
  }
}

export function renderConfigReference(): string {
  const out: string[] = [
    '# Configuration reference',
    '',
    'Generated from `config/schema.ts` by `npm run generate`; a test fails when this file drifts.',
    'Every key is optional; unknown keys are rejected with a suggestion. Environment variables override the',
    'file: `MESHGUARD_KAFKA_BROKERS` (comma-separated), `MESHGUARD_REDIS_URL`, `MESHGUARD_INGEST_TOKEN`,',
    '`MESHGUARD_ADMIN_TOKEN`, `MESHGUARD_POLICIES_DIR`.',
    '',
    '| key | type | default | meaning |',
    '|---|---|---|---|',
  ];
  rows(MeshguardConfig as unknown as Schema, '', out);
  return `${out.join('\n')}\n`;
}
