/** GET /api/least-privilege/coverage: destinations under enforced least privilege, in dry-run, uncovered. */
import { Type } from '@sinclair/typebox';
import { EMPTY_COVERAGE } from '../../../pipelines/responders/least-privilege/coverage.js';
import { defineRoute } from './route.js';

const PolicyCoverageSchema = Type.Object({
  namespace: Type.String(),
  policy: Type.String(),
  workload: Type.String(),
  state: Type.Union([Type.Literal('dry_run'), Type.Literal('pending_approval'), Type.Literal('enforced')], {
    description:
      'dry_run = Istio only logs (shadow); pending_approval = clean period passed, waiting for a person; enforced = denies.',
  }),
  wouldDeny: Type.Integer({ description: 'Calls the policy would have denied (Istio shadow results).' }),
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
];
