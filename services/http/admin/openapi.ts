/** GET /api/openapi.json: an OpenAPI 3 description of the admin API, built from its route table. */
import type { FastifyInstance } from 'fastify';
import type { TSchema } from '@sinclair/typebox';
import { STATUS_TEXT } from './errors.js';
import type { AdminRoute } from './route.js';
import { AuditEntrySchema, ErrorBody, IncidentSchema, QuarantineSchema } from './schemas.js';

/** A TypeBox schema as plain JSON Schema (drops TypeBox's symbol keys and $id). */
function plain(schema: TSchema): unknown {
  return JSON.parse(JSON.stringify(schema, (key, value) => (key === '$id' ? undefined : value)));
}

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

const errorResponse = {
  description: 'Error',
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
};

function operation(route: AdminRoute): Record<string, unknown> {
  const { request, response } = route;
  const op: Record<string, unknown> = {
    summary: route.summary,
    parameters: [...parametersOf(request.params, 'path'), ...parametersOf(request.querystring, 'query')],
    responses: {
      [String(response.status)]: {
        description: response.description,
        content: { 'application/json': { schema: plain(response.schema) } },
      },
      ...Object.fromEntries(
        route.errors.map((code) => [String(code), { ...errorResponse, description: STATUS_TEXT[code] }]),
      ),
    },
    security: [{ bearerAuth: [] }],
  };
  if (request.body)
    op.requestBody = {
      required: !route.bodyOptional,
      content: { 'application/json': { schema: plain(request.body) } },
    };
  op.description =
    route.access === 'read'
      ? 'Open when no admin token is configured; otherwise requires the bearer token.'
      : 'Requires the admin bearer token; answers 403 when the server has no admin token configured.';
  return op;
}

export function openApiDocument(routes: readonly AdminRoute[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = route.url.replace(/:(\w+)/g, '{$1}');
    paths[path] = { ...(paths[path] ?? {}), [route.method.toLowerCase()]: operation(route) };
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

/** Served open (no token) so clients can discover the API before they have one. */
export function serveOpenApi(app: FastifyInstance, routes: readonly AdminRoute[]): void {
  const doc = openApiDocument(routes);
  app.get('/api/openapi.json', async () => doc);
}
