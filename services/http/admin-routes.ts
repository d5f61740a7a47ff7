/**
 * The admin HTTP API: incidents, quarantines (list, approve, release, manual), the audit trail and an
 * OpenAPI 3 description of itself. A Fastify plugin: `app.register(adminRoutes, { incidents, quarantine, token })`.
 *
 * One route table (ADMIN_ROUTES) drives both the Fastify routes and the OpenAPI document; the handlers
 * live by resource in admin/, the auth hook in admin/auth.ts.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TSchema } from '@sinclair/typebox';
import { auditRoutes } from './admin/audit.js';
import { authorize } from './admin/auth.js';
import { consoleDataRoutes } from './admin/console-data.js';
import { sendError } from './admin/errors.js';
import { incidentRoutes } from './admin/incidents.js';
import { leastPrivilegeRoutes } from './admin/least-privilege.js';
import { serveOpenApi } from './admin/openapi.js';
import { quarantineRoutes } from './admin/quarantines.js';
import type { AdminRoute, AdminRoutesOptions } from './admin/route.js';
import { ErrorBody } from './admin/schemas.js';

export type { AdminRoutesOptions } from './admin/route.js';

export const ADMIN_ROUTES: readonly AdminRoute[] = [
  ...incidentRoutes,
  ...quarantineRoutes,
  ...auditRoutes,
  ...consoleDataRoutes,
  ...leastPrivilegeRoutes,
];

// A body-optional route posted with no body at all (curl -X POST) is validated as {}.
const emptyBodyIsObject = async (request: FastifyRequest): Promise<void> => {
  if (request.body === undefined || request.body === null) request.body = {};
};

function register(app: FastifyInstance, route: AdminRoute, admin: AdminRoutesOptions): void {
  const errors: Record<number, TSchema> = Object.fromEntries(route.errors.map((c) => [c, ErrorBody]));
  app.route({
    method: route.method,
    url: route.url,
    onRequest: authorize(route.access, admin.token),
    ...(route.bodyOptional ? { preValidation: emptyBodyIsObject } : {}),
    schema: { ...route.request, response: { [route.response.status]: route.response.schema, ...errors } },
    handler: (request, reply) => route.handle(admin, request as never, reply),
  });
}

export async function adminRoutes(app: FastifyInstance, opts: AdminRoutesOptions): Promise<void> {
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
  for (const route of ADMIN_ROUTES) register(app, route, opts);
  serveOpenApi(app, ADMIN_ROUTES);
}
