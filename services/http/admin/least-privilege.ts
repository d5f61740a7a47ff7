/**
 * /api/least-privilege: coverage (destinations under enforced least privilege, in dry-run, uncovered;
 * would-be denials per policy), approve a policy whose clean period passed, release (delete) a policy.
 */
import type { FastifyReply } from 'fastify';
import { Type } from '@sinclair/typebox';
import { EMPTY_COVERAGE } from '../../../pipelines/responders/least-privilege/coverage.js';
import { LeastPrivilegeError } from '../../../pipelines/responders/least-privilege/verify.js';
import { sendError } from './errors.js';
import { defineRoute } from './route.js';
import { ByBody, ReleaseBody } from './schemas.js';

const PolicyParams = Type.Object({
  namespace: Type.String({ pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', maxLength: 63 }),
  name: Type.String({ pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$', maxLength: 253 }),
});

const STATUS: Record<LeastPrivilegeError['code'], number> = {
  not_found: 404,
  conflict: 409,
  sink_failed: 502,
};

function refused(reply: FastifyReply, error: unknown): FastifyReply {
  if (error instanceof LeastPrivilegeError) return sendError(reply, STATUS[error.code], error.message);
  throw error;
}

const actor = (by: string | undefined): string => (by ? `${by} (admin API)` : 'admin API');

const PolicyCoverageSchema = Type.Object({
  namespace: Type.String(),
  policy: Type.String(),
  workload: Type.String(),
  mesh: Type.Union([Type.Literal('istio'), Type.Literal('linkerd'), Type.Literal('consul')], {
    description:
      "Whose objects: Istio's AuthorizationPolicy, Linkerd's Server + AuthorizationPolicy, or Consul's intentions.",
  }),
  state: Type.Union([Type.Literal('dry_run'), Type.Literal('pending_approval'), Type.Literal('enforced')], {
    description:
      'dry_run = only logs (Istio shadow, Linkerd audit; Consul: evaluated by meshguard, nothing written); pending_approval = clean period passed, waiting for a person; enforced = denies.',
  }),
  wouldDeny: Type.Integer({
    description:
      'Calls the policy would have denied (shadow verdicts in access logs, sidecar shadow and audit counters).',
  }),
  appliedAt: Type.String(),
  lastWouldDenyAt: Type.Optional(Type.String()),
  cleanSince: Type.String({ description: 'Start of the current clean period (no would-be denial since).' }),
  promotedAt: Type.Optional(Type.String()),
});

export const CoverageSchema = Type.Object(
  {
    enabled: Type.Boolean({ description: 'Whether least-privilege verification runs in this process.' }),
    destinations: Type.Object({
      enforced: Type.Integer(),
      dry_run: Type.Integer(),
      uncovered: Type.Integer(),
    }),
    policies: Type.Array(PolicyCoverageSchema),
    uncovered: Type.Array(Type.String(), {
      description: '<namespace>/<workload> receiving calls with no policy.',
    }),
  },
  { description: 'Least-privilege coverage and would-be denials per policy.' },
);

export const leastPrivilegeRoutes = [
  defineRoute({
    method: 'GET',
    url: '/api/least-privilege/coverage',
    summary:
      'Least-privilege coverage: destinations enforced, in dry-run, uncovered; would-be denials per policy.',
    access: 'read',
    request: {},
    response: { status: 200, schema: CoverageSchema, description: 'Coverage' },
    errors: [401],
    async handle({ leastPrivilege }) {
      return { enabled: leastPrivilege !== undefined, ...(leastPrivilege?.coverage() ?? EMPTY_COVERAGE) };
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/api/least-privilege/policies/:namespace/:name/approve',
    summary: 'Enforce a least-privilege policy whose clean period passed (removes istio.io/dry-run).',
    access: 'write',
    request: { params: PolicyParams, body: ByBody },
    bodyOptional: true,
    response: { status: 200, schema: PolicyCoverageSchema, description: 'The enforced policy' },
    errors: [400, 401, 403, 404, 409, 502],
    async handle({ leastPrivilege }, request, reply) {
      if (!leastPrivilege) return sendError(reply, 404, 'least-privilege verification is not running here');
      try {
        return await leastPrivilege.approve(
          request.params.namespace,
          request.params.name,
          actor(request.body.by),
        );
      } catch (error) {
        return refused(reply, error);
      }
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/api/least-privilege/policies/:namespace/:name/release',
    summary: 'Delete a least-privilege policy (dry-run or enforced); the workload is open again.',
    access: 'write',
    request: { params: PolicyParams, body: ReleaseBody },
    bodyOptional: true,
    response: { status: 200, schema: Type.Object({ released: Type.String() }), description: 'Released' },
    errors: [400, 401, 403, 404, 502],
    async handle({ leastPrivilege }, request, reply) {
      if (!leastPrivilege) return sendError(reply, 404, 'least-privilege verification is not running here');
      const { namespace, name } = request.params;
      try {
        await leastPrivilege.release(
          namespace,
          name,
          actor(request.body.by),
          request.body.reason ?? 'released through the admin API',
        );
        return { released: `${namespace}/${name}` };
      } catch (error) {
        return refused(reply, error);
      }
    },
  }),
];
