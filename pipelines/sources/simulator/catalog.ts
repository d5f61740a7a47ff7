/**
 * The service catalog the simulated mesh is built from: a small online shop split over namespaces the
 * way real teams split them. Order matters: a smaller mesh (`services: 12`) takes the first entries, so
 * the first twelve cover every role a scenario needs (gateway, frontend, identity, data service, batch job,
 * egress users).
 */

export type StatusProfile = 'read' | 'write' | 'delete' | 'login' | 'health' | 'rpc';
export type WorkloadKind = 'gateway' | 'api' | 'data' | 'job' | 'infra';

export interface EndpointTemplate {
  method: string;
  /** Path with placeholders: {id} a numeric id, {sku} a product code, {uuid} a UUID. */
  path: string;
  weight: number;
  /** Median response body in bytes (lognormal around it). */
  respBytes: number;
  /** Median request body in bytes (0 for GET). */
  reqBytes: number;
  /** Median server latency in ms. */
  latencyMs: number;
  profile: StatusProfile;
}

export interface ServiceTemplate {
  name: string;
  namespace: string;
  kind: WorkloadKind;
  grpc?: boolean;
  /** False for workloads without an Istio sidecar (the API server, kube-system add-ons): no inbound logs. */
  sidecar?: boolean;
  port?: number;
  /** The client library the workload uses when it calls others: its User-Agent. */
  userAgent: string;
  replicas: number;
  endpoints: EndpointTemplate[];
  /** Names of services it calls (skipped when absent from a smaller mesh). */
  deps: string[];
  /** Registered external hosts (ServiceEntry) it calls through its sidecar. */
  egress?: string[];
}

function ep(
  method: string,
  path: string,
  weight: number,
  respBytes: number,
  latencyMs = 12,
  reqBytes = 0,
  profile?: StatusProfile,
): EndpointTemplate {
  const p: StatusProfile = profile ?? (method === 'GET' ? 'read' : method === 'DELETE' ? 'delete' : 'write');
  return {
    method,
    path,
    weight,
    respBytes,
    reqBytes: method === 'GET' || method === 'DELETE' ? 0 : reqBytes || 600,
    latencyMs,
    profile: p,
  };
}
const health = (): EndpointTemplate => ep('GET', '/healthz', 0.3, 15, 1, 0, 'health');
const metrics = (): EndpointTemplate => ep('GET', '/metrics', 0.15, 9_000, 3, 0, 'health');
function rpc(service: string, methods: string[], respBytes: number): EndpointTemplate[] {
  return methods.map((m, i) => ({
    method: 'POST',
    path: `/${service}/${m}`,
    weight: 4 / (i + 1),
    respBytes,
    reqBytes: 180,
    latencyMs: 6,
    profile: 'rpc' as const,
  }));
}

const UA = {
  node: 'node-fetch/1.0 (+https://github.com/bitinn/node-fetch)',
  go: 'Go-http-client/1.1',
  grpc: 'grpc-go/1.62.1',
  python: 'python-requests/2.31.0',
  java: 'Apache-HttpClient/4.5.14 (Java/17.0.10)',
  curl: 'curl/8.5.0',
  envoy: 'envoy',
} as const;

export const CATALOG: readonly ServiceTemplate[] = [
  // --- the first twelve: enough for every scenario -------------------------------------------
  {
    name: 'istio-ingressgateway',
    namespace: 'istio-system',
    kind: 'gateway',
    userAgent: UA.envoy,
    replicas: 2,
    endpoints: [],
    deps: ['frontend', 'products', 'search', 'recommendations', 'reviews', 'checkout'],
  },
  {
    name: 'frontend',
    namespace: 'shop',
    kind: 'api',
    userAgent: UA.node,
    replicas: 3,
    endpoints: [
      ep('GET', '/', 3, 14_000, 25),
      ep('GET', '/product/{sku}', 4, 22_000, 30),
      ep('GET', '/cart', 2, 9_000, 20),
      ep('POST', '/cart/checkout', 0.5, 4_000, 60, 900),
      ep('GET', '/static/app.{id}.js', 2, 180_000, 4),
      health(),
    ],
    deps: ['cart', 'products', 'auth', 'orders'],
  },
  {
    name: 'cart',
    namespace: 'shop',
    kind: 'api',
    userAgent: UA.go,
    replicas: 2,
    endpoints: [
      ep('GET', '/api/v1/carts/{id}', 5, 1_800, 6),
      ep('POST', '/api/v1/carts/{id}/items', 2, 1_900, 10, 300),
      ep('DELETE', '/api/v1/carts/{id}/items/{sku}', 0.6, 0, 8),
      health(),
    ],
    deps: ['products', 'pricing', 'sessions'],
  },
  {
    name: 'checkout',
    namespace: 'shop',
    kind: 'api',
    userAgent: UA.go,
    replicas: 2,
    endpoints: [
      ep('POST', '/api/v1/checkout', 3, 2_500, 120, 1_400),
      ep('GET', '/api/v1/checkout/{id}/status', 2, 400, 8),
      health(),
    ],
    deps: ['cart', 'payments-api', 'orders', 'shipping'],
  },
  {
    name: 'orders',
    namespace: 'shop',
    kind: 'data',
    userAgent: UA.java,
    replicas: 2,
    endpoints: [
      ep('GET', '/api/v1/orders/{id}', 5, 3_200, 9),
      ep('GET', '/api/v1/orders?customer={id}', 2, 12_000, 18),
      ep('POST', '/api/v1/orders', 1.5, 3_000, 25, 2_000),
      ep('PUT', '/api/v1/orders/{id}/status', 0.8, 300, 12, 120),
      health(),
      metrics(),
    ],
    deps: ['users', 'inventory'],
  },
  {
    name: 'payments-api',
    namespace: 'payments',
    kind: 'api',
    userAgent: UA.java,
    replicas: 2,
    endpoints: [
      ep('POST', '/api/v1/payments', 3, 900, 250, 700),
      ep('GET', '/api/v1/payments/{id}', 2, 1_100, 10),
      ep('POST', '/api/v1/payments/{id}/capture', 1, 700, 180, 200),
      health(),
    ],
    deps: ['ledger', 'fraud-check'],
    egress: ['api.stripe.com'],
  },
  {
    name: 'auth',
    namespace: 'identity',
    kind: 'api',
    userAgent: UA.go,
    replicas: 3,
    endpoints: [
      ep('POST', '/login', 2, 1_100, 45, 350, 'login'),
      ep('POST', '/oauth2/token', 3, 1_400, 15, 420),
      ep('GET', '/oauth2/introspect', 6, 600, 4),
      ep('POST', '/logout', 0.5, 50, 5, 200),
      health(),
    ],
    deps: ['users', 'sessions', 'token-service'],
  },
  {
    name: 'users',
    namespace: 'identity',
    kind: 'data',
    userAgent: UA.java,
    replicas: 2,
    endpoints: [
      ep('GET', '/api/v1/users/{id}', 6, 1_400, 7),
      ep('GET', '/api/v1/users/{id}/addresses', 1.5, 900, 9),
      ep('PUT', '/api/v1/users/{id}', 0.4, 1_300, 14, 700),
      ep('GET', '/api/v1/users/export?page={id}', 0.05, 1_500_000, 400),
      health(),
    ],
    deps: [],
  },
  {
    name: 'products',
    namespace: 'catalog',
    kind: 'api',
    userAgent: UA.go,
    replicas: 3,
    endpoints: [
      ep('GET', '/api/v1/products/{sku}', 8, 4_200, 8),
      ep('GET', '/api/v1/products?category={id}&page={id}', 3, 28_000, 25),
      ep('GET', '/api/v1/products/{sku}/availability', 2, 300, 5),
      health(),
    ],
    deps: ['inventory', 'pricing', 'images'],
  },
  {
    name: 'inventory',
    namespace: 'catalog',
    kind: 'data',
    grpc: true,
    userAgent: UA.grpc,
    replicas: 2,
    endpoints: [...rpc('inventory.v1.InventoryService', ['GetStock', 'Reserve', 'Release'], 220), health()],
    deps: [],
  },
  {
    name: 'warehouse-api',
    namespace: 'analytics',
    kind: 'data',
    userAgent: UA.python,
    replicas: 2,
    endpoints: [
      ep('GET', '/api/v1/datasets/{id}/rows?offset={id}', 3, 350_000, 180),
      ep('POST', '/api/v1/query', 2, 60_000, 300, 1_200),
      ep('GET', '/api/v1/datasets', 0.5, 8_000, 15),
      health(),
    ],
    deps: [],
    egress: ['s3.amazonaws.com'],
  },
  {
    name: 'nightly-export',
    namespace: 'batch',
    kind: 'job',
    userAgent: UA.python,
    replicas: 1,
    endpoints: [health()],
    deps: ['warehouse-api', 'orders'],
    egress: ['s3.amazonaws.com'],
  },
  // --- the rest of a ~50-service mesh -----------------------------------------------------------
  {
    name: 'reviews',
    namespace: 'shop',
    kind: 'api',
    userAgent: UA.python,
    replicas: 2,
    endpoints: [
      ep('GET', '/api/v1/reviews?product={sku}', 5, 6_500, 14),
      ep('POST', '/api/v1/reviews', 0.3, 900, 20, 800),
      health(),
    ],
    deps: ['users', 'products'],
  },
  {
    name: 'recommendations',
    namespace: 'shop',
    kind: 'api',
    userAgent: UA.python,
    replicas: 2,
    endpoints: [ep('GET', '/api/v1/recommendations/{id}', 5, 3_800, 35), health()],
    deps: ['products', 'clickstream'],
  },
  {
    name: 'search',
    namespace: 'shop',
    kind: 'api',
    userAgent: UA.go,
    replicas: 2,
    endpoints: [
      ep('GET', '/api/v1/search?q={id}', 5, 16_000, 40),
      ep('GET', '/api/v1/suggest?q={id}', 3, 700, 6),
      health(),
    ],
    deps: ['products', 'categories'],
  },
  {
    name: 'shipping',
    namespace: 'shop',
    kind: 'api',
    userAgent: UA.go,
    replicas: 2,
    endpoints: [
      ep('POST', '/api/v1/shipments/quote', 3, 800, 90, 500),
      ep('GET', '/api/v1/shipments/{id}', 2, 1_200, 9),
      health(),
    ],
    deps: ['orders'],
    egress: ['api.shippo.com'],
  },
  {
    name: 'notifications',
    namespace: 'shop',
    kind: 'api',
    userAgent: UA.node,
    replicas: 1,
    endpoints: [ep('POST', '/api/v1/notify', 3, 120, 30, 1_800), health()],
    deps: ['users'],
    egress: ['api.sendgrid.com'],
  },
  {
    name: 'wishlist',
    namespace: 'shop',
    kind: 'api',
    userAgent: UA.node,
    replicas: 1,
    endpoints: [
      ep('GET', '/api/v1/wishlists/{id}', 4, 2_100, 8),
      ep('POST', '/api/v1/wishlists/{id}/items', 1, 300, 10, 200),
      health(),
    ],
    deps: ['products', 'users'],
  },
  {
    name: 'gift-cards',
    namespace: 'shop',
    kind: 'api',
    userAgent: UA.java,
    replicas: 1,
    endpoints: [
      ep('GET', '/api/v1/giftcards/{id}/balance', 3, 200, 7),
      ep('POST', '/api/v1/giftcards/{id}/redeem', 1, 300, 25, 150),
      health(),
    ],
    deps: ['ledger'],
  },
  {
    name: 'loyalty',
    namespace: 'shop',
    kind: 'api',
    userAgent: UA.java,
    replicas: 1,
    endpoints: [ep('GET', '/api/v1/loyalty/{id}', 4, 500, 6), health()],
    deps: ['users', 'ledger'],
  },
  {
    name: 'ledger',
    namespace: 'payments',
    kind: 'data',
    userAgent: UA.java,
    replicas: 2,
    endpoints: [
      ep('POST', '/api/v1/entries', 3, 250, 20, 400),
      ep('GET', '/api/v1/accounts/{id}/balance', 2, 180, 6),
      ep('GET', '/api/v1/accounts/{id}/entries?from={id}', 0.6, 45_000, 60),
      health(),
    ],
    deps: [],
  },
  {
    name: 'fraud-check',
    namespace: 'payments',
    kind: 'api',
    grpc: true,
    userAgent: UA.grpc,
    replicas: 2,
    endpoints: [...rpc('fraud.v1.FraudService', ['Score', 'Report'], 160), health()],
    deps: ['users', 'clickstream'],
  },
  {
    name: 'invoices',
    namespace: 'payments',
    kind: 'api',
    userAgent: UA.java,
    replicas: 1,
    endpoints: [
      ep('GET', '/api/v1/invoices/{id}', 3, 35_000, 40),
      ep('POST', '/api/v1/invoices', 1, 1_000, 70, 1_500),
      health(),
    ],
    deps: ['ledger', 'orders'],
  },
  {
    name: 'refunds',
    namespace: 'payments',
    kind: 'api',
    userAgent: UA.java,
    replicas: 1,
    endpoints: [
      ep('POST', '/api/v1/refunds', 2, 600, 150, 500),
      ep('GET', '/api/v1/refunds/{id}', 1, 700, 8),
      health(),
    ],
    deps: ['payments-api', 'ledger'],
  },
  {
    name: 'payouts',
    namespace: 'payments',
    kind: 'api',
    userAgent: UA.java,
    replicas: 1,
    endpoints: [ep('POST', '/api/v1/payouts', 1, 600, 200, 500), health()],
    deps: ['ledger'],
    egress: ['api.stripe.com'],
  },
  {
    name: 'sessions',
    namespace: 'identity',
    kind: 'data',
    userAgent: UA.go,
    replicas: 2,
    endpoints: [
      ep('GET', '/api/v1/sessions/{uuid}', 8, 350, 2),
      ep('PUT', '/api/v1/sessions/{uuid}', 2, 60, 3, 350),
      ep('DELETE', '/api/v1/sessions/{uuid}', 0.5, 0, 2),
      health(),
    ],
    deps: [],
  },
  {
    name: 'token-service',
    namespace: 'identity',
    kind: 'api',
    grpc: true,
    userAgent: UA.grpc,
    replicas: 2,
    endpoints: [...rpc('token.v1.TokenService', ['Issue', 'Verify', 'Revoke'], 480), health()],
    deps: [],
  },
  {
    name: 'profile',
    namespace: 'identity',
    kind: 'api',
    userAgent: UA.node,
    replicas: 1,
    endpoints: [
      ep('GET', '/api/v1/profiles/{id}', 4, 2_400, 12),
      ep('PUT', '/api/v1/profiles/{id}', 0.5, 2_300, 18, 1_100),
      health(),
    ],
    deps: ['users', 'images'],
  },
  {
    name: 'mfa',
    namespace: 'identity',
    kind: 'api',
    userAgent: UA.go,
    replicas: 1,
    endpoints: [
      ep('POST', '/api/v1/mfa/challenge', 2, 200, 40, 150),
      ep('POST', '/api/v1/mfa/verify', 2, 150, 10, 120),
      health(),
    ],
    deps: ['users'],
    egress: ['api.twilio.com'],
  },
  {
    name: 'pricing',
    namespace: 'catalog',
    kind: 'api',
    grpc: true,
    userAgent: UA.grpc,
    replicas: 2,
    endpoints: [
      ...rpc('pricing.v1.PricingService', ['GetPrice', 'GetPrices', 'ApplyPromotion'], 260),
      health(),
    ],
    deps: ['config-service'],
  },
  {
    name: 'images',
    namespace: 'catalog',
    kind: 'data',
    userAgent: UA.go,
    replicas: 2,
    endpoints: [
      ep('GET', '/img/{sku}/thumb.webp', 6, 14_000, 4),
      ep('GET', '/img/{sku}/full.webp', 2, 160_000, 9),
      health(),
    ],
    deps: [],
    egress: ['s3.amazonaws.com'],
  },
  {
    name: 'categories',
    namespace: 'catalog',
    kind: 'api',
    userAgent: UA.go,
    replicas: 1,
    endpoints: [
      ep('GET', '/api/v1/categories', 3, 7_000, 5),
      ep('GET', '/api/v1/categories/{id}', 2, 1_100, 4),
      health(),
    ],
    deps: [],
  },
  {
    name: 'brands',
    namespace: 'catalog',
    kind: 'api',
    userAgent: UA.go,
    replicas: 1,
    endpoints: [ep('GET', '/api/v1/brands/{id}', 3, 900, 4), health()],
    deps: ['images'],
  },
  {
    name: 'events-collector',
    namespace: 'analytics',
    kind: 'api',
    userAgent: UA.go,
    replicas: 2,
    endpoints: [ep('POST', '/v1/events', 6, 20, 3, 2_400), health()],
    deps: ['clickstream'],
  },
  {
    name: 'clickstream',
    namespace: 'analytics',
    kind: 'data',
    userAgent: UA.java,
    replicas: 2,
    endpoints: [
      ep('POST', '/api/v1/clicks', 4, 20, 3, 900),
      ep('GET', '/api/v1/users/{id}/recent', 3, 5_500, 12),
      health(),
    ],
    deps: [],
  },
  {
    name: 'reporting',
    namespace: 'analytics',
    kind: 'api',
    userAgent: UA.python,
    replicas: 1,
    endpoints: [ep('GET', '/api/v1/reports/{id}', 2, 120_000, 200), health()],
    deps: ['warehouse-api'],
  },
  {
    name: 'metrics-aggregator',
    namespace: 'analytics',
    kind: 'api',
    userAgent: UA.go,
    replicas: 1,
    endpoints: [health(), metrics()],
    deps: ['events-collector', 'metrics-server'],
  },
  {
    name: 'ab-testing',
    namespace: 'analytics',
    kind: 'api',
    userAgent: UA.go,
    replicas: 1,
    endpoints: [ep('GET', '/api/v1/assignments/{id}', 4, 300, 3), health()],
    deps: ['config-service', 'feature-flags'],
  },
  {
    name: 'reconcile-job',
    namespace: 'batch',
    kind: 'job',
    userAgent: UA.python,
    replicas: 1,
    endpoints: [health()],
    deps: ['ledger', 'payments-api'],
  },
  {
    name: 'email-digest',
    namespace: 'batch',
    kind: 'job',
    userAgent: UA.python,
    replicas: 1,
    endpoints: [health()],
    deps: ['users', 'notifications'],
  },
  {
    name: 'report-builder',
    namespace: 'batch',
    kind: 'job',
    userAgent: UA.curl,
    replicas: 1,
    endpoints: [health()],
    deps: ['reporting', 'warehouse-api'],
  },
  {
    name: 'cleanup-cron',
    namespace: 'batch',
    kind: 'job',
    userAgent: UA.curl,
    replicas: 1,
    endpoints: [health()],
    deps: ['sessions', 'kubernetes'],
  },
  {
    name: 'data-sync',
    namespace: 'batch',
    kind: 'job',
    userAgent: UA.python,
    replicas: 1,
    endpoints: [health()],
    deps: ['products', 'warehouse-api'],
  },
  {
    name: 'config-service',
    namespace: 'platform',
    kind: 'api',
    userAgent: UA.go,
    replicas: 2,
    endpoints: [ep('GET', '/api/v1/config/{id}', 5, 2_000, 3), health()],
    deps: [],
  },
  {
    name: 'feature-flags',
    namespace: 'platform',
    kind: 'api',
    userAgent: UA.go,
    replicas: 2,
    endpoints: [ep('GET', '/api/v1/flags', 5, 3_500, 2), health()],
    deps: [],
  },
  {
    name: 'audit-log',
    namespace: 'platform',
    kind: 'data',
    userAgent: UA.go,
    replicas: 1,
    endpoints: [ep('POST', '/api/v1/audit', 5, 30, 4, 700), health()],
    deps: [],
  },
  {
    name: 'cache',
    namespace: 'platform',
    kind: 'data',
    userAgent: UA.go,
    replicas: 2,
    endpoints: [ep('GET', '/v1/kv/{id}', 8, 1_200, 1), ep('PUT', '/v1/kv/{id}', 2, 10, 1, 1_200), health()],
    deps: ['customer-store'],
  },
  {
    name: 'customer-store',
    namespace: 'platform',
    kind: 'data',
    userAgent: UA.java,
    replicas: 2,
    endpoints: [
      ep('GET', '/api/v1/customers/{id}', 5, 2_600, 11),
      ep('GET', '/api/v1/customers?segment={id}', 0.3, 240_000, 120),
      health(),
    ],
    deps: [],
  },
  {
    name: 'metrics-server',
    namespace: 'kube-system',
    kind: 'infra',
    sidecar: false,
    port: 443,
    userAgent: UA.go,
    replicas: 1,
    endpoints: [ep('GET', '/apis/metrics.k8s.io/v1beta1/pods', 1, 40_000, 20)],
    deps: [],
  },
];

/**
 * Not a mesh service but always reachable: the Kubernetes API server (no sidecar, in `default`). Only a
 * cleanup job normally calls it; anything else calling it is the kubernetes_api_access scenario.
 */
export const KUBERNETES_API: ServiceTemplate = {
  name: 'kubernetes',
  namespace: 'default',
  kind: 'infra',
  sidecar: false,
  port: 443,
  userAgent: UA.go,
  replicas: 1,
  endpoints: [
    ep('GET', '/api/v1/namespaces/batch/configmaps', 1, 6_000, 8),
    ep('DELETE', '/api/v1/namespaces/batch/pods/{id}', 0.3, 900, 12),
  ],
  deps: [],
};

export interface ExternalHostTemplate {
  host: string;
  port: number;
  /** A ServiceEntry registers it: outbound|443||host. Otherwise traffic leaves through PassthroughCluster. */
  registered: boolean;
  ip: string;
  endpoints: EndpointTemplate[];
}

/** Legitimate external dependencies (registered with ServiceEntries; the sidecar originates TLS, so paths are logged). */
export const EXTERNAL_HOSTS: readonly ExternalHostTemplate[] = [
  {
    host: 'api.stripe.com',
    port: 443,
    registered: true,
    ip: '54.187.174.169',
    endpoints: [
      ep('POST', '/v1/payment_intents', 3, 2_400, 220, 600),
      ep('POST', '/v1/payment_intents/{id}/capture', 1, 2_300, 260, 200),
      ep('POST', '/v1/payouts', 0.3, 1_200, 240, 300),
    ],
  },
  {
    host: 's3.amazonaws.com',
    port: 443,
    registered: true,
    ip: '52.217.161.77',
    endpoints: [
      ep('PUT', '/meshshop-exports/{id}.parquet', 1, 300, 120, 4_000_000),
      ep('GET', '/meshshop-assets/{sku}.webp', 4, 150_000, 40),
    ],
  },
  {
    host: 'api.sendgrid.com',
    port: 443,
    registered: true,
    ip: '167.89.118.52',
    endpoints: [ep('POST', '/v3/mail/send', 1, 0, 90, 3_500)],
  },
  {
    host: 'api.twilio.com',
    port: 443,
    registered: true,
    ip: '54.172.60.1',
    endpoints: [ep('POST', '/2010-04-01/Accounts/{id}/Messages.json', 1, 900, 150, 300)],
  },
  {
    host: 'api.shippo.com',
    port: 443,
    registered: true,
    ip: '104.18.20.91',
    endpoints: [ep('POST', '/shipments/', 1, 3_800, 300, 700)],
  },
  // Registered (a team once needed it) but used by nobody in the baseline: where slow_drip_upload goes.
  {
    host: 'storage.googleapis.com',
    port: 443,
    registered: true,
    ip: '142.250.74.123',
    endpoints: [ep('PUT', '/upload/storage/v1/b/{id}/o', 1, 600, 180, 300_000)],
  },
];
