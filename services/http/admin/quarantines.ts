/** /api/quarantines: list, quarantine by hand, approve, release. */
import type { FastifyReply } from 'fastify';
import type { Static } from '@sinclair/typebox';
import type { WorkloadIdentity } from '../../../pipelines/core/incident.js';
import { QuarantineError } from '../../../pipelines/responders/quarantine/index.js';
import { sendError } from './errors.js';
import { defineRoute } from './route.js';
import {
  ApproveBody,
  IdParams,
  ManualBody,
  QuarantineList,
  QuarantineSchema,
  QuarantinesQuery,
  ReleaseBody,
} from './schemas.js';

/** The answer to each refusal of the quarantine manager. */
const QUARANTINE_STATUS: Record<string, number> = {
  not_found: 404,
  conflict: 409,
  forbidden: 422,
  invalid: 400,
  sink_failed: 502,
};

export function refused(reply: FastifyReply, error: unknown): FastifyReply {
  if (error instanceof QuarantineError)
    return sendError(reply, QUARANTINE_STATUS[error.code] ?? 500, error.message);
  throw error;
}

/** Who acts, as the audit trail records it. */
export const actor = (by: string | undefined): string => (by ? `${by} (admin API)` : 'admin API');

/** The offender named in a manual quarantine, or what is missing. */
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

export const quarantineRoutes = [
  defineRoute({
    method: 'GET',
    url: '/api/quarantines',
    summary: 'Quarantines (pending, active, released, failed), newest first.',
    access: 'read',
    request: { querystring: QuarantinesQuery },
    response: { status: 200, schema: QuarantineList, description: 'Quarantines' },
    errors: [400, 401],
    async handle({ quarantine }, request) {
      const all = await quarantine.list();
      return { quarantines: request.query.state ? all.filter((q) => q.state === request.query.state) : all };
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/api/quarantines',
    summary: 'Quarantine a workload by hand (protected namespaces and principals are refused).',
    access: 'write',
    request: { body: ManualBody },
    response: {
      status: 201,
      schema: QuarantineSchema,
      description: 'The quarantine (an existing one when the workload is already quarantined)',
    },
    errors: [400, 401, 403, 409, 422, 502],
    async handle({ quarantine }, request, reply) {
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
        return refused(reply, error);
      }
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/api/quarantines/:id/approve',
    summary: 'Approve a quarantine waiting for approval; it is applied with a fresh TTL.',
    access: 'write',
    request: { params: IdParams, body: ApproveBody },
    bodyOptional: true,
    response: { status: 200, schema: QuarantineSchema, description: 'The applied quarantine' },
    errors: [401, 403, 404, 409, 502],
    async handle({ quarantine }, request, reply) {
      try {
        return await quarantine.approve(request.params.id, actor(request.body.by), request.body.reason);
      } catch (error) {
        return refused(reply, error);
      }
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/api/quarantines/:id/release',
    summary: 'Release a quarantine: delete its policies and send the resolve alert.',
    access: 'write',
    request: { params: IdParams, body: ReleaseBody },
    bodyOptional: true,
    response: { status: 200, schema: QuarantineSchema, description: 'The released quarantine' },
    errors: [401, 403, 404, 409, 502],
    async handle({ quarantine }, request, reply) {
      try {
        return await quarantine.release(
          request.params.id,
          actor(request.body.by),
          request.body.reason ?? 'released through the admin API',
        );
      } catch (error) {
        return refused(reply, error);
      }
    },
  }),
];
