/**
 * Validates objects against the vendored CRD schemas of test/fixtures/crds (the meshes' released
 * CustomResourceDefinitions, sources noted in its README), the way the API server would, plus one thing
 * stricter: a field the schema does not know is an error (the API server would prune it silently,
 * changing what a policy means).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { parse } from 'yaml';

const DIR = new URL('../fixtures/crds/', import.meta.url).pathname;

type Schema = Record<string, unknown>;

/** Kubernetes structural-schema extensions → plain JSON Schema, unknown fields closed. */
/** `branch`: inside anyOf/oneOf/allOf/not, which in a structural schema only validate values, never declare fields. */
function toJsonSchema(node: unknown, top = false, branch = false): unknown {
  if (Array.isArray(node)) return node.map((n) => toJsonSchema(n, false, branch));
  if (typeof node !== 'object' || node === null) return node;
  const s = { ...(node as Schema) };
  if (s['x-kubernetes-int-or-string']) {
    delete s['x-kubernetes-int-or-string'];
    if (!s.anyOf) s.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  const preserve = s['x-kubernetes-preserve-unknown-fields'] === true;
  for (const k of Object.keys(s)) if (k.startsWith('x-kubernetes-')) delete s[k];
  for (const k of ['properties', 'additionalProperties', 'items', 'anyOf', 'oneOf', 'allOf', 'not'] as const)
    if (s[k] !== undefined) {
      if (k === 'properties')
        s[k] = Object.fromEntries(
          Object.entries(s[k] as Schema).map(([p, v]) => [p, toJsonSchema(v, false, branch)]),
        );
      else if (k === 'items' || k === 'additionalProperties') s[k] = toJsonSchema(s[k], false, branch);
      else s[k] = toJsonSchema(s[k], false, true);
    }
  if (top) {
    // metadata is the API server's, not the CRD's.
    s.properties = {
      ...(s.properties as Schema),
      metadata: { type: 'object' },
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
    };
  }
  if (s.properties && s.additionalProperties === undefined && !preserve && !branch)
    s.additionalProperties = false;
  return s;
}

const validators = new Map<string, ValidateFunction>();

function load(): void {
  if (validators.size) return;
  const ajv = new Ajv({ allErrors: true, strict: false });
  ajv.addFormat('cidr', (v: string) => {
    const [ip, bits, extra] = v.split('/');
    const family = isIP(ip ?? '');
    const n = Number(bits);
    return (
      extra === undefined && family !== 0 && Number.isInteger(n) && n >= 0 && n <= (family === 4 ? 32 : 128)
    );
  });
  ajv.addFormat('date-time', true);
  ajv.addFormat('int32', true);
  for (const file of readdirSync(DIR).filter((f) => f.endsWith('.yaml'))) {
    const crd = parse(readFileSync(join(DIR, file), 'utf8')) as {
      spec: {
        group: string;
        names: { kind: string };
        versions: Array<{ name: string; schema: { openAPIV3Schema: Schema } }>;
      };
    };
    for (const v of crd.spec.versions) {
      const validate = ajv.compile(toJsonSchema(v.schema.openAPIV3Schema, true) as Schema);
      validators.set(`${crd.spec.group}/${v.name}/${crd.spec.names.kind}`, validate);
      // The clusterwide Cilium policy has the same spec, cluster-scoped.
      if (crd.spec.names.kind === 'CiliumNetworkPolicy')
        validators.set(`${crd.spec.group}/${v.name}/CiliumClusterwideNetworkPolicy`, validate);
    }
  }
}

/** Every schema error of `obj` (empty = valid). Throws for a kind with no vendored schema. */
export function crdErrors(obj: { apiVersion: string; kind: string }): string[] {
  load();
  const validate = validators.get(`${obj.apiVersion}/${obj.kind}`);
  if (!validate) throw new Error(`no vendored CRD schema for ${obj.apiVersion} ${obj.kind}`);
  if (validate(obj)) return [];
  return (validate.errors ?? []).map(
    (e) =>
      `${e.instancePath || '/'} ${e.message}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`,
  );
}
