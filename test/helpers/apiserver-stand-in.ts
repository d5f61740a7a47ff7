/**
 * A small local HTTP stand-in for the Kubernetes API server, enough for meshguard's kubernetes sink:
 * discovery of the policy APIs of each mesh (Istio, Linkerd, Consul, Cilium), server-side apply (PATCH
 * application/apply-patch+yaml), create (POST, 409 AlreadyExists), replace (PUT, 409 Conflict when the
 * resourceVersion changed), GET, LIST (cluster-wide and per namespace, with labelSelector) and DELETE.
 * Pods (core v1) can be listed, read and watched (apiserver-pods.ts). It can answer errors on demand (409, 500, 429 with Retry-After, 403) and records every request.
 *
 * No apiserver can run on the test machines; this speaks the same wire format the real one does for
 * these calls, so @kubernetes/client-node talks to it unchanged.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { register } from 'node:module';
import { randomUUID } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import { PodStore } from './apiserver-pods.js';

interface ResourceType {
  groupVersion: string;
  plural: string;
  kind: string;
  namespaced: boolean;
}

/** The kinds the stand-in serves: every kind a meshguard mesh writer emits. */
const RESOURCES: ResourceType[] = [
  {
    groupVersion: 'security.istio.io/v1',
    plural: 'authorizationpolicies',
    kind: 'AuthorizationPolicy',
    namespaced: true,
  },
  { groupVersion: 'policy.linkerd.io/v1beta3', plural: 'servers', kind: 'Server', namespaced: true },
  {
    groupVersion: 'policy.linkerd.io/v1alpha1',
    plural: 'authorizationpolicies',
    kind: 'AuthorizationPolicy',
    namespaced: true,
  },
  {
    groupVersion: 'policy.linkerd.io/v1alpha1',
    plural: 'meshtlsauthentications',
    kind: 'MeshTLSAuthentication',
    namespaced: true,
  },
  {
    groupVersion: 'policy.linkerd.io/v1alpha1',
    plural: 'networkauthentications',
    kind: 'NetworkAuthentication',
    namespaced: true,
  },
  {
    groupVersion: 'consul.hashicorp.com/v1alpha1',
    plural: 'serviceintentions',
    kind: 'ServiceIntentions',
    namespaced: true,
  },
  {
    groupVersion: 'cilium.io/v2',
    plural: 'ciliumnetworkpolicies',
    kind: 'CiliumNetworkPolicy',
    namespaced: true,
  },
  {
    groupVersion: 'cilium.io/v2',
    plural: 'ciliumclusterwidenetworkpolicies',
    kind: 'CiliumClusterwideNetworkPolicy',
    namespaced: false,
  },
];
const ISTIO = 'security.istio.io/v1';

/** Istio's policies keep the `<namespace>/<name>` key older tests read; other kinds are prefixed by kind and group. */
export function objectKey(
  groupVersion: string,
  kind: string,
  namespace: string | undefined,
  name: string,
): string {
  const where = `${namespace ?? ''}/${name}`;
  return groupVersion === ISTIO ? where : `${kind}.${groupVersion.split('/')[0]}:${where}`;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType: string;
  body: unknown;
}

export interface StoredObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    resourceVersion?: string;
    uid?: string;
    creationTimestamp?: string;
    managedFields?: Array<{ manager: string; operation: string; apiVersion: string }>;
  };
  spec?: unknown;
}

interface Failure {
  status: number;
  retryAfterSecs?: number;
  methods?: string[];
}

function status(code: number, reason: string, message: string): Record<string, unknown> {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: code < 400 ? 'Success' : 'Failure',
    message,
    reason,
    code,
  };
}

function matchesSelector(labels: Record<string, string> | undefined, selector: string | undefined): boolean {
  if (!selector) return true;
  return selector
    .split(',')
    .filter(Boolean)
    .every((term) => {
      const [key, value] = term.split('=');
      return labels?.[key!] === value;
    });
}

export class ApiServerStandIn {
  readonly requests: RecordedRequest[] = [];
  /** Stored objects by `<namespace>/<name>`. */
  readonly objects = new Map<string, StoredObject>();
  /** Core v1 pods: list, get and watch (see apiserver-pods.ts). */
  readonly pods = new PodStore();
  private readonly failures: Failure[] = [];
  private server?: Server;
  private version = 1;
  url = '';

  /** The next `count` requests (of the given methods, default mutating ones) answer `status`. */
  failNext(statusCode: number, count = 1, opts: { retryAfterSecs?: number; methods?: string[] } = {}): void {
    for (let i = 0; i < count; i++) this.failures.push({ status: statusCode, ...opts });
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      void this.handle(req, res).catch((error: unknown) =>
        this.send(res, 500, status(500, 'InternalError', String(error))),
      );
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.pods.closeWatches();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = undefined;
  }

  /** A kubeconfig (YAML) whose current context points at this stand-in. */
  kubeconfigYaml(token = 'stand-in-token'): string {
    return [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      `- name: stand-in`,
      // client-node refuses plain http unless TLS verification is explicitly off.
      `  cluster: { server: "${this.url}", insecure-skip-tls-verify: true }`,
      'users:',
      `- name: meshguard`,
      `  user: { token: "${token}" }`,
      'contexts:',
      '- name: stand-in',
      '  context: { cluster: stand-in, user: meshguard, namespace: default }',
      'current-context: stand-in',
      '',
    ].join('\n');
  }

  private send(res: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(code, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  }

  private async readBody(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const method = req.method ?? 'GET';
    const text = await this.readBody(req);
    const contentType = String(req.headers['content-type'] ?? '');
    let body: unknown = undefined;
    if (text) {
      try {
        body = contentType.includes('yaml') ? parseYaml(text) : JSON.parse(text);
      } catch {
        body = text;
      }
    }
    this.requests.push({
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      contentType,
      body,
    });

    if (
      req.headers.authorization !== 'Bearer stand-in-token' &&
      !req.headers.authorization?.startsWith('Bearer ')
    )
      return this.send(res, 401, status(401, 'Unauthorized', 'Unauthorized'));

    const idx = this.failures.findIndex((f) =>
      (f.methods ?? ['PATCH', 'DELETE', 'POST', 'PUT']).includes(method),
    );
    if (idx >= 0) {
      const f = this.failures.splice(idx, 1)[0]!;
      const reason =
        f.status === 409
          ? 'Conflict'
          : f.status === 429
            ? 'TooManyRequests'
            : f.status >= 500
              ? 'InternalError'
              : 'Forbidden';
      return this.send(
        res,
        f.status,
        status(f.status, reason, `stand-in answers ${f.status} on demand`),
        f.retryAfterSecs !== undefined ? { 'retry-after': String(f.retryAfterSecs) } : {},
      );
    }

    if (this.pods.handle(req, res, url, (code, body) => this.send(res, code, body))) return;

    const discovery = /^\/apis\/([^/]+\/[^/]+)$/.exec(url.pathname);
    if (method === 'GET' && discovery) {
      const types = RESOURCES.filter((r) => r.groupVersion === discovery[1]);
      if (!types.length) return this.send(res, 404, status(404, 'NotFound', `no API group ${discovery[1]}`));
      return this.send(res, 200, {
        kind: 'APIResourceList',
        apiVersion: 'v1',
        groupVersion: discovery[1],
        resources: types.map((t) => ({
          name: t.plural,
          singularName: t.kind.toLowerCase(),
          namespaced: t.namespaced,
          kind: t.kind,
          verbs: ['delete', 'deletecollection', 'get', 'list', 'patch', 'create', 'update', 'watch'],
        })),
      });
    }

    const m =
      /^\/apis\/([^/]+\/[^/]+)\/namespaces\/([^/]+)\/([^/]+)(?:\/([^/]+))?$/.exec(url.pathname) ??
      /^\/apis\/([^/]+\/[^/]+)()\/([^/]+)(?:\/([^/]+))?$/.exec(url.pathname);
    const type = m && RESOURCES.find((r) => r.groupVersion === m[1] && r.plural === m[3]);
    if (!m || !type)
      return this.send(
        res,
        404,
        status(404, 'NotFound', `the server could not find the requested resource ${url.pathname}`),
      );
    const namespace = m[2] ? decodeURIComponent(m[2]) : undefined;
    const name = m[4] ? decodeURIComponent(m[4]) : undefined;
    if (!name) {
      if (method === 'GET') {
        const items = [...this.objects.values()].filter(
          (o) =>
            o.apiVersion === type.groupVersion &&
            o.kind === type.kind &&
            (!namespace || o.metadata.namespace === namespace) &&
            matchesSelector(o.metadata.labels, url.searchParams.get('labelSelector') ?? undefined),
        );
        return this.send(res, 200, {
          apiVersion: type.groupVersion,
          kind: `${type.kind}List`,
          metadata: { resourceVersion: String(this.version) },
          items,
        });
      }
      if (method !== 'POST')
        return this.send(res, 405, status(405, 'MethodNotAllowed', 'only GET and POST on the collection'));
    }
    const obj = body as StoredObject;
    const objName = name ?? obj?.metadata?.name;
    const key = objectKey(type.groupVersion, type.kind, namespace, objName ?? '');
    const existing = this.objects.get(key);
    const notFound = (): void =>
      this.send(res, 404, status(404, 'NotFound', `${type.plural} "${objName}" not found`));

    if (method === 'GET') return existing ? this.send(res, 200, existing) : notFound();
    if (method === 'DELETE') {
      if (!existing) return notFound();
      this.objects.delete(key);
      return this.send(res, 200, status(200, '', ''));
    }
    if (
      !obj ||
      typeof obj !== 'object' ||
      obj.kind !== type.kind ||
      obj.metadata?.name !== objName ||
      (obj.metadata.namespace && obj.metadata.namespace !== namespace)
    )
      return this.send(res, 400, status(400, 'BadRequest', 'body does not match the URL'));
    const store = (operation: string): StoredObject => {
      const stored: StoredObject = {
        ...obj,
        metadata: {
          ...obj.metadata,
          ...(namespace ? { namespace } : {}),
          uid: existing?.metadata.uid ?? randomUUID(),
          creationTimestamp: existing?.metadata.creationTimestamp ?? new Date().toISOString(),
          resourceVersion: String(++this.version),
          managedFields: [
            { manager: url.searchParams.get('fieldManager') ?? '', operation, apiVersion: type.groupVersion },
          ],
        },
      };
      this.objects.set(key, stored);
      return stored;
    };
    if (method === 'PATCH') {
      // Server-side apply only, as the real server requires for this content type: fieldManager is mandatory.
      if (!contentType.startsWith('application/apply-patch+yaml'))
        return this.send(
          res,
          415,
          status(415, 'UnsupportedMediaType', `stand-in only accepts server-side apply, got ${contentType}`),
        );
      if (!url.searchParams.get('fieldManager'))
        return this.send(res, 422, status(422, 'Invalid', 'fieldManager is required for apply requests'));
      const had = existing !== undefined;
      return this.send(res, had ? 200 : 201, store('Apply'));
    }
    if (method === 'POST') {
      if (existing)
        return this.send(
          res,
          409,
          status(409, 'AlreadyExists', `${type.plural} "${objName}" already exists`),
        );
      return this.send(res, 201, store('Update'));
    }
    if (method === 'PUT') {
      if (!existing) return notFound();
      if (obj.metadata.resourceVersion !== existing.metadata.resourceVersion)
        return this.send(
          res,
          409,
          status(
            409,
            'Conflict',
            `the object has been modified; please apply your changes to the latest version`,
          ),
        );
      return this.send(res, 200, store('Update'));
    }
    return this.send(res, 405, status(405, 'MethodNotAllowed', `${method} not supported by the stand-in`));
  }
}

export async function startApiServerStandIn(): Promise<ApiServerStandIn> {
  return new ApiServerStandIn().start();
}

function nodeAtLeast(major: number, minor: number): boolean {
  const [ma, mi] = process.versions.node.split('.').map(Number) as [number, number];
  return ma > major || (ma === major && mi >= minor);
}

let shimmed = false;

/**
 * @kubernetes/client-node 2 imports undici 8, which needs Node >= 22.19 and throws at import time on
 * older runtimes. On those, route the client's `undici` import to Node's own fetch (plain HTTP to the
 * stand-in needs no dispatcher), so the sink's real request building and error handling still run.
 * On Node >= 22.19 this does nothing.
 */
export function ensureKubernetesClientLoads(): void {
  if (shimmed || nodeAtLeast(22, 19)) return;
  shimmed = true;
  const shim =
    'export const fetch = (url, init = {}) => { const { dispatcher, ...rest } = init; return globalThis.fetch(url, rest); };\n' +
    'export class Agent { constructor(options) { this.options = options; } }\n' +
    'export class ProxyAgent extends Agent {}\n';
  const shimUrl = `data:text/javascript,${encodeURIComponent(shim)}`;
  const hooks =
    `const SHIM = ${JSON.stringify(shimUrl)};\n` +
    'export async function resolve(specifier, context, next) {\n' +
    "  if (specifier === 'undici' && context.parentURL && context.parentURL.includes('@kubernetes/client-node')) return { url: SHIM, shortCircuit: true };\n" +
    '  return next(specifier, context);\n' +
    '}\n';
  register(`data:text/javascript,${encodeURIComponent(hooks)}`);
}
