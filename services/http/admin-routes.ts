/**
 * The admin HTTP API: incidents, quarantines (list, approve, release, manual), the audit trail and an
 * OpenAPI 3 description of itself. A Fastify plugin: `app.register(adminRoutes, { incidents, quarantine, token })`.
 *
 * Auth: `Authorization: Bearer <admin token>`, compared in constant time over SHA-256 digests (equal
 * lengths, so timingSafeEqual cannot leak the token's length). With no token configured the read routes
 * are open and the write routes refuse with 403: a deployment without a token is read-only, never
 * open for writes.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { Incident, WorkloadIdentity } from '../../pipelines/core/incident.js';
import { QuarantineError, type QuarantineManager } from '../../pipelines/responders/quarantine/index.js';

export interface AdminRoutesOptions {
  incidents: { list(): Incident[]; get(id: string): Incident | undefined };
  quarantine: QuarantineManager;
  /** The admin bearer token; empty = read-only API. */
  token: string;
}

// ------------------------------------------------------------------ schemas (also the OpenAPI components)

const Severity = Type.Union([
  Type.Literal('low'),
  Type.Literal('medium'),
  Type.Literal('high'),
  Type.Literal('critical'),
]);
const Kind = Type.Union([
  Type.Literal('unauthorized_access'),
  Type.Literal('exfiltration'),
  Type.Literal('lateral_movement'),
  Type.Literal('scanning'),
  Type.Literal('anomaly'),
]);

export const ErrorBody = Type.Object(
  { error: Type.String(), message: Type.String(), statusCode: Type.Integer() },
  { description: 'Every error answer.' },
);

const WorkloadSchema = Type.Object(
  {
    namespace: Type.Optional(Type.String()),
    serviceAccount: Type.Optional(Type.String()),
    principal: Type.Optional(Type.String({ description: 'spiffe://<trust-domain>/ns/<ns>/sa/<sa>' })),
    address: Type.Optional(Type.String({ description: 'Pod IP, when the logs carry no identity.' })),
    workload: Type.Optional(Type.String()),
  },
  {
    additionalProperties: true,
    description: 'The offender: {namespace, serviceAccount, principal} or {address}.',
  },
);

const ActionSchema = Type.Object(
  {
    type: Type.Union([Type.Literal('alert'), Type.Literal('quarantine')]),
    mode: Type.Optional(
      Type.Union([Type.Literal('dry-run'), Type.Literal('enforce'), Type.Literal('pending-approval')]),
    ),
    policy: Type.Optional(Type.String()),
    reason: Type.Optional(Type.String()),
    notEnforced: Type.Optional(Type.Array(Type.String())),
    undo: Type.Optional(Type.String()),
  },
  { additionalProperties: true },
);

export const IncidentSchema = Type.Object(
  {
    id: Type.String(),
    kind: Kind,
    workload: WorkloadSchema,
    severity: Severity,
    score: Type.Number(),
    firstEventTime: Type.String({ format: 'date-time' }),
    detectedAt: Type.String({ format: 'date-time' }),
    detectors: Type.Array(Type.String()),
    evidence: Type.Unknown({ description: 'What a person needs to judge it.' }),
    action: ActionSchema,
  },
  { additionalProperties: true },
);

const State = Type.Union([
  Type.Literal('pending-approval'),
  Type.Literal('active'),
  Type.Literal('released'),
  Type.Literal('failed'),
]);

export const QuarantineSchema = Type.Object(
  {
    id: Type.String({ description: 'The quarantine id = the name of its AuthorizationPolicy.' }),
    revision: Type.String({
      description: 'Unique per record (an id repeats if the offender is quarantined again).',
    }),
    state: State,
    mode: Type.Union([Type.Literal('dry-run'), Type.Literal('enforce'), Type.Literal('pending-approval')]),
    offender: WorkloadSchema,
    offenderHash: Type.String(),
    incident: Type.Unknown({
      description: 'The incident that caused it (synthetic for manual quarantines).',
    }),
    scope: Type.Union([Type.Literal('mesh-wide'), Type.Literal('namespaces')]),
    policies: Type.Array(Type.Unknown(), {
      description: 'The AuthorizationPolicies (security.istio.io/v1, DENY).',
    }),
    suggestions: Type.Array(Type.Unknown(), { description: 'NetworkPolicies suggested, never applied.' }),
    notEnforced: Type.Array(Type.String()),
    reason: Type.String(),
    undo: Type.String(),
    createdBy: Type.String(),
    createdAt: Type.String({ format: 'date-time' }),
    expiresAt: Type.String({ format: 'date-time' }),
    approvedBy: Type.Optional(Type.String()),
    approvedAt: Type.Optional(Type.String()),
    releasedBy: Type.Optional(Type.String()),
    releasedAt: Type.Optional(Type.String()),
    releaseReason: Type.Optional(Type.String()),
    error: Type.Optional(Type.String()),
  },
  { additionalProperties: true },
);

export const AuditEntrySchema = Type.Object(
  {
    at: Type.String({ format: 'date-time' }),
    actor: Type.String({ description: 'meshguard (automatic), ttl, or who called the admin API.' }),
    action: Type.String(),
    reason: Type.String(),
    quarantineId: Type.Optional(Type.String()),
    incidentId: Type.Optional(Type.String()),
    offender: Type.Optional(WorkloadSchema),
    mode: Type.Optional(Type.String()),
    policies: Type.Optional(Type.Array(Type.Unknown())),
    undo: Type.Optional(Type.String()),
  },
  { additionalProperties: true },
);

const IncidentsQuery = Type.Object(
  {
    kind: Type.Optional(Kind),
    severity: Type.Optional(Severity),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  },
  { additionalProperties: false },
);
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 253 }) });
const QuarantinesQuery = Type.Object({ state: Type.Optional(State) }, { additionalProperties: false });
const AuditQuery = Type.Object(
  { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000, default: 500 })) },
  { additionalProperties: false },
);
const ByBody = Type.Object(
  {
    by: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, description: 'Who acts (kept in the audit trail).' }),
    ),
  },
  { additionalProperties: false },
);
const ReleaseBody = Type.Object(
  {
    by: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    reason: Type.Optional(Type.String({ minLength: 1, maxLength: 1000 })),
  },
  { additionalProperties: false },
);
const ManualBody = Type.Object(
  {
    workload: Type.Object(
      {
        namespace: Type.Optional(Type.String({ minLength: 1, maxLength: 63 })),
        serviceAccount: Type.Optional(Type.String({ minLength: 1, maxLength: 253 })),
        principal: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
        address: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
      },
      { additionalProperties: false },
    ),
    reason: Type.String({ minLength: 1, maxLength: 1000 }),
    by: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);

const IncidentList = Type.Object({ incidents: Type.Array(IncidentSchema), total: Type.Integer() });
const QuarantineList = Type.Object({ quarantines: Type.Array(QuarantineSchema) });
const AuditList = Type.Object({ entries: Type.Array(AuditEntrySchema) });

// ------------------------------------------------------------------ auth

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

export function bearerMatches(header: string | undefined, token: string): boolean {
  if (!token) return false;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  // Compare even when the header is missing, so timing does not tell "no header" from "wrong token".
  return timingSafeEqual(digest(m?.[1] ?? ''), digest(token)) && m !== null;
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  422: 'Unprocessable Entity',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
};

function sendError(reply: FastifyReply, statusCode: number, message: string): FastifyReply {
  return reply.code(statusCode).send({ error: STATUS_TEXT[statusCode] ?? 'Error', message, statusCode });
}

const QUARANTINE_STATUS: Record<string, number> = {
  not_found: 404,
  conflict: 409,
  forbidden: 422,
  invalid: 400,
  sink_failed: 502,
};

// ------------------------------------------------------------------ OpenAPI

interface RouteDoc {
  method: 'get' | 'post';
  url: string;
  summary: string;
  write: boolean;
  query?: TSchema;
  params?: TSchema;
  body?: TSchema;
  response: { status: number; schema: TSchema; description: string };
  errors: number[];
}

const ROUTES: RouteDoc[] = [
  {
    method: 'get',
    url: '/api/incidents',
    summary: 'Recent incidents, newest first, filtered by kind and severity.',
    write: false,
    query: IncidentsQuery,
    response: { status: 200, schema: IncidentList, description: 'Incidents' },
    errors: [400, 401],
  },
  {
    method: 'get',
    url: '/api/incidents/{id}',
    summary: 'One incident.',
    write: false,
    params: IdParams,
    response: { status: 200, schema: IncidentSchema, description: 'The incident' },
    errors: [401, 404],
  },
  {
    method: 'get',
    url: '/api/quarantines',
    summary: 'Quarantines (pending, active, released, failed), newest first.',
    write: false,
    query: QuarantinesQuery,
    response: { status: 200, schema: QuarantineList, description: 'Quarantines' },
    errors: [400, 401],
  },
  {
    method: 'post',
    url: '/api/quarantines',
    summary: 'Quarantine a workload by hand (protected namespaces and principals are refused).',
    write: true,
    body: ManualBody,
    response: {
      status: 201,
      schema: QuarantineSchema,
      description: 'The quarantine (an existing one when the workload is already quarantined)',
    },
    errors: [400, 401, 403, 409, 422, 502],
  },
  {
    method: 'post',
    url: '/api/quarantines/{id}/approve',
    summary: 'Approve a quarantine waiting for approval; it is applied with a fresh TTL.',
    write: true,
    params: IdParams,
    body: ByBody,
    response: { status: 200, schema: QuarantineSchema, description: 'The applied quarantine' },
    errors: [401, 403, 404, 409, 502],
  },
  {
    method: 'post',
    url: '/api/quarantines/{id}/release',
    summary: 'Release a quarantine: delete its policies and send the resolve alert.',
    write: true,
    params: IdParams,
    body: ReleaseBody,
    response: { status: 200, schema: QuarantineSchema, description: 'The released quarantine' },
    errors: [401, 403, 404, 409, 502],
  },
  {
    method: 'get',
    url: '/api/audit',
    summary: 'The audit trail of quarantine actions, oldest first (the last `limit`).',
    write: false,
    query: AuditQuery,
    response: { status: 200, schema: AuditList, description: 'Audit entries' },
    errors: [400, 401],
  },
];

function parametersOf(schema: TSchema | undefined, where: 'query' | 'path'): unknown[] {
  const props = (schema as { properties?: Record<string, TSchema> } | undefined)?.properties ?? {};
  const required = new Set((schema as { required?: string[] } | undefined)?.required ?? []);
  return Object.entries(props).map(([name, s]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    schema: plain(s),
  }));
}

/** A TypeBox schema as plain JSON Schema (drops TypeBox's symbol keys and $id). */
function plain(schema: TSchema): unknown {
  return JSON.parse(JSON.stringify(schema, (key, value) => (key === '$id' ? undefined : value)));
}

export function openApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const errorResponse = {
    description: 'Error',
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
  };
  for (const r of ROUTES) {
    const op: Record<string, unknown> = {
      summary: r.summary,
      parameters: [...parametersOf(r.params, 'path'), ...parametersOf(r.query, 'query')],
      responses: {
        [String(r.response.status)]: {
          description: r.response.description,
          content: { 'application/json': { schema: plain(r.response.schema) } },
        },
        ...Object.fromEntries(
          r.errors.map((code) => [String(code), { ...errorResponse, description: STATUS_TEXT[code] }]),
        ),
      },
      security: [{ bearerAuth: [] }],
    };
    if (r.body)
      op.requestBody = {
        required: r.method === 'post' && r.body === ManualBody,
        content: { 'application/json': { schema: plain(r.body) } },
      };
    if (!r.write)
      op.description = 'Open when no admin token is configured; otherwise requires the bearer token.';
    else
      op.description =
        'Requires the admin bearer token; answers 403 when the server has no admin token configured.';
    paths[r.url] = { ...(paths[r.url] ?? {}), [r.method]: op };
  }
  return {
    openapi: '3.0.3',
    info: {
      title: 'meshguard admin API',
      version: '1',
      description: 'Incidents, quarantines and the audit trail of meshguard.',
    },
    paths,
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } },
      schemas: {
        Error: plain(ErrorBody),
        Incident: plain(IncidentSchema),
        Quarantine: plain(QuarantineSchema),
        AuditEntry: plain(AuditEntrySchema),
      },
    },
  };
}

// ------------------------------------------------------------------ the plugin

function toWorkload(w: Static<typeof ManualBody>['workload']): WorkloadIdentity | string {
  if (w.address) return { address: w.address, ...(w.namespace ? { namespace: w.namespace } : {}) };
  if (w.principal || (w.namespace && w.serviceAccount)) {
    let namespace = w.namespace ?? '';
    let serviceAccount = w.serviceAccount ?? '';
    const m = /\/ns\/([^/]+)\/sa\/([^/]+)$/.exec(w.principal ?? '');
    if (m) [namespace, serviceAccount] = [namespace || m[1]!, serviceAccount || m[2]!];
    return { namespace, serviceAccount, principal: w.principal ?? '' };
  }
  return 'workload: give {address} or {namespace, serviceAccount} or {principal}';
}

export async function adminRoutes(app: FastifyInstance, opts: AdminRoutesOptions): Promise<void> {
  const { incidents, quarantine, token } = opts;

  // One error shape for everything under this plugin, schema validation included.
  app.setErrorHandler(
    (error: { statusCode?: number; validation?: unknown; message: string }, request, reply) => {
      const status = error.validation
        ? 400
        : error.statusCode && error.statusCode >= 400 && error.statusCode < 600
          ? error.statusCode
          : 500;
      if (status >= 500) request.log.error({ error: error.message }, 'Admin API request failed.');
      return sendError(reply, status, status >= 500 ? 'internal error' : error.message);
    },
  );
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, 404, `no route ${request.method} ${request.url}`),
  );

  const requireRead = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (!token) return;
    if (!bearerMatches(request.headers.authorization, token)) {
      reply.header('www-authenticate', 'Bearer');
      await sendError(reply, 401, 'missing or wrong bearer token (Authorization: Bearer <admin token>)');
    }
  };
  const requireWrite = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (!token) {
      await sendError(
        reply,
        403,
        'the admin API is read-only: no admin token is configured (set admin.token or MESHGUARD_ADMIN_TOKEN)',
      );
      return;
    }
    if (!bearerMatches(request.headers.authorization, token)) {
      reply.header('www-authenticate', 'Bearer');
      await sendError(reply, 401, 'missing or wrong bearer token (Authorization: Bearer <admin token>)');
    }
  };

  // approve and release may be posted with no body at all (curl -X POST): treat that as {}.
  const emptyBodyIsObject = async (request: FastifyRequest): Promise<void> => {
    if (request.body === undefined || request.body === null) request.body = {};
  };

  const actor = (by: string | undefined): string => (by ? `${by} (admin API)` : 'admin API');
  const fail = (reply: FastifyReply, error: unknown): FastifyReply => {
    if (error instanceof QuarantineError)
      return sendError(reply, QUARANTINE_STATUS[error.code] ?? 500, error.message);
    throw error;
  };
  const errors = (codes: number[]): Record<number, TSchema> =>
    Object.fromEntries(codes.map((c) => [c, ErrorBody]));

  app.get<{ Querystring: Static<typeof IncidentsQuery> }>(
    '/api/incidents',
    {
      onRequest: requireRead,
      schema: { querystring: IncidentsQuery, response: { 200: IncidentList, ...errors([400, 401]) } },
    },
    async (request) => {
      const { kind, severity } = request.query;
      const limit = request.query.limit ?? 100;
      const matching = incidents
        .list()
        .filter((i) => (!kind || i.kind === kind) && (!severity || i.severity === severity))
        .sort((a, b) => (a.detectedAt < b.detectedAt ? 1 : a.detectedAt > b.detectedAt ? -1 : 0));
      return { incidents: matching.slice(0, limit), total: matching.length };
    },
  );

  app.get<{ Params: Static<typeof IdParams> }>(
    '/api/incidents/:id',
    {
      onRequest: requireRead,
      schema: { params: IdParams, response: { 200: IncidentSchema, ...errors([401, 404]) } },
    },
    async (request, reply) => {
      const incident = incidents.get(request.params.id);
      return incident ?? sendError(reply, 404, `no incident with id ${request.params.id}`);
    },
  );

  app.get<{ Querystring: Static<typeof QuarantinesQuery> }>(
    '/api/quarantines',
    {
      onRequest: requireRead,
      schema: { querystring: QuarantinesQuery, response: { 200: QuarantineList, ...errors([400, 401]) } },
    },
    async (request) => {
      const all = await quarantine.list();
      return { quarantines: request.query.state ? all.filter((q) => q.state === request.query.state) : all };
    },
  );

  app.post<{ Body: Static<typeof ManualBody> }>(
    '/api/quarantines',
    {
      onRequest: requireWrite,
      schema: {
        body: ManualBody,
        response: { 201: QuarantineSchema, ...errors([400, 401, 403, 409, 422, 502]) },
      },
    },
    async (request, reply) => {
      const workload = toWorkload(request.body.workload);
      if (typeof workload === 'string') return sendError(reply, 400, workload);
      try {
        const record = await quarantine.quarantineManually(
          workload,
          request.body.reason,
          actor(request.body.by),
        );
        return reply.code(201).send(record);
      } catch (error) {
        return fail(reply, error);
      }
    },
  );

  app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof ByBody> | undefined }>(
    '/api/quarantines/:id/approve',
    {
      onRequest: requireWrite,
      preValidation: emptyBodyIsObject,
      schema: {
        params: IdParams,
        body: ByBody,
        response: { 200: QuarantineSchema, ...errors([401, 403, 404, 409, 502]) },
      },
    },
    async (request, reply) => {
      try {
        return await quarantine.approve(request.params.id, actor(request.body?.by));
      } catch (error) {
        return fail(reply, error);
      }
    },
  );

  app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof ReleaseBody> | undefined }>(
    '/api/quarantines/:id/release',
    {
      onRequest: requireWrite,
      preValidation: emptyBodyIsObject,
      schema: {
        params: IdParams,
        body: ReleaseBody,
        response: { 200: QuarantineSchema, ...errors([401, 403, 404, 409, 502]) },
      },
    },
    async (request, reply) => {
      try {
        return await quarantine.release(
          request.params.id,
          actor(request.body?.by),
          request.body?.reason ?? 'released through the admin API',
        );
      } catch (error) {
        return fail(reply, error);
      }
    },
  );

  app.get<{ Querystring: Static<typeof AuditQuery> }>(
    '/api/audit',
    {
      onRequest: requireRead,
      schema: { querystring: AuditQuery, response: { 200: AuditList, ...errors([400, 401]) } },
    },
    async (request) => {
      const entries = await quarantine.audit();
      return { entries: entries.slice(-(request.query.limit ?? 500)) };
    },
  );

  const doc = openApiDocument();
  app.get('/api/openapi.json', async () => doc);
}
