/**
 * What the incident console reads beyond incidents and quarantines: an offender's recent traffic
 * against its baseline, the model state per workload, the alerts sent for an incident, the blast-radius
 * budget, a quarantine's policies as YAML; and the one action it adds, extending a quarantine.
 */
import { stringify } from 'yaml';
import { sendError } from './errors.js';
import { actor, refused } from './quarantines.js';
import { defineRoute } from './route.js';
import {
  BudgetSchema,
  DeliveryList,
  ExtendBody,
  HistoryQuery,
  HistorySchema,
  IdParams,
  ModelList,
  QuarantineSchema,
} from './schemas.js';

export const consoleDataRoutes = [
  defineRoute({
    method: 'GET',
    url: '/api/entities/history',
    summary:
      "An offender's recent windows (requests, errors, bytes, edges) beside the baseline band it had learned, oldest first.",
    access: 'read',
    request: { querystring: HistoryQuery },
    response: { status: 200, schema: HistorySchema, description: 'The kept windows (empty when none)' },
    errors: [400, 401],
    async handle({ history }, request) {
      const { workload } = request.query;
      return { workload, points: [...(history?.get(workload) ?? [])] };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/api/entities/models',
    summary: 'Each recently seen workload and whether its baseline is still learning or it is scored.',
    access: 'read',
    request: {},
    response: { status: 200, schema: ModelList, description: 'Workloads, most recently seen first' },
    errors: [401],
    async handle({ history }) {
      const workloads = history?.models() ?? [];
      const learning = workloads.filter((w) => w.state === 'learning').length;
      return { learning, scoring: workloads.length - learning, workloads };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/api/incidents/:id/alerts',
    summary:
      'The alerts this process sent for an incident, per channel and event, with their delivery status.',
    access: 'read',
    request: { params: IdParams },
    response: { status: 200, schema: DeliveryList, description: 'Deliveries, oldest first' },
    errors: [401, 404],
    async handle({ incidents, alertDeliveries }, request, reply) {
      const { id } = request.params;
      if (!incidents.get(id)) return sendError(reply, 404, `no incident with id ${id}`);
      return { deliveries: alertDeliveries?.(id) ?? [] };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/api/quarantines/budget',
    summary: 'The blast-radius budget: automatic quarantines left in the current cap window.',
    access: 'read',
    request: {},
    response: { status: 200, schema: BudgetSchema, description: 'The budget' },
    errors: [401],
    async handle({ quarantine }) {
      return quarantine.blastRadius();
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/api/quarantines/:id/policy.yaml',
    summary:
      "A quarantine's policies (and NetworkPolicy suggestions) as the YAML documents meshguard applies.",
    access: 'read',
    request: { params: IdParams },
    response: { status: 200, schema: { type: 'string' } as never, description: 'YAML documents' },
    errors: [401, 404],
    async handle({ quarantine }, request, reply) {
      const record = await quarantine.get(request.params.id);
      if (!record) return sendError(reply, 404, `no quarantine with id ${request.params.id}`);
      const docs = [...record.policies, ...record.suggestions].map((m) => stringify(m)).join('---\n');
      return reply.header('content-type', 'application/yaml; charset=utf-8').send(docs);
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/api/quarantines/:id/extend',
    summary:
      'Extend an active quarantine past its expiry (by `secs`, default one TTL); its policies are re-applied.',
    access: 'write',
    request: { params: IdParams, body: ExtendBody },
    response: { status: 200, schema: QuarantineSchema, description: 'The extended quarantine' },
    errors: [400, 401, 403, 404, 409, 502],
    async handle({ quarantine }, request, reply) {
      try {
        const { by, reason, secs } = request.body;
        return await quarantine.extend(request.params.id, actor(by), reason, secs);
      } catch (error) {
        return refused(reply, error);
      }
    },
  }),
];
