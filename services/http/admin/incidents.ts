/** GET /api/incidents and /api/incidents/:id: the recent incidents the process keeps. */
import { sendError } from './errors.js';
import { defineRoute } from './route.js';
import { IdParams, IncidentList, IncidentSchema, IncidentsQuery } from './schemas.js';

export const incidentRoutes = [
  defineRoute({
    method: 'GET',
    url: '/api/incidents',
    summary: 'Recent incidents, newest first, filtered by kind and severity.',
    access: 'read',
    request: { querystring: IncidentsQuery },
    response: { status: 200, schema: IncidentList, description: 'Incidents' },
    errors: [400, 401],
    async handle({ incidents }, request) {
      const { kind, severity } = request.query;
      const limit = request.query.limit ?? 100;
      const matching = incidents
        .list()
        .filter((i) => (!kind || i.kind === kind) && (!severity || i.severity === severity))
        .sort((a, b) => (a.detectedAt < b.detectedAt ? 1 : a.detectedAt > b.detectedAt ? -1 : 0));
      return { incidents: matching.slice(0, limit), total: matching.length };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/api/incidents/:id',
    summary: 'One incident.',
    access: 'read',
    request: { params: IdParams },
    response: { status: 200, schema: IncidentSchema, description: 'The incident' },
    errors: [401, 404],
    async handle({ incidents }, request, reply) {
      const incident = incidents.get(request.params.id);
      return incident ?? sendError(reply, 404, `no incident with id ${request.params.id}`);
    },
  }),
];
