/**
 * The admin API's TypeBox schemas, each declared once: Fastify validates requests and serializes answers
 * with them, and the OpenAPI document (openapi.ts) publishes the same objects.
 */
import { Type } from '@sinclair/typebox';
import {
  IncidentKindSchema,
  QuarantineModeSchema,
  SeveritySchema,
} from '../../../pipelines/core/incident-schema.js';

const Severity = SeveritySchema;
const Kind = IncidentKindSchema;

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

const Mode = QuarantineModeSchema;

const ActionSchema = Type.Object(
  {
    type: Type.Union([Type.Literal('alert'), Type.Literal('quarantine')]),
    mode: Type.Optional(Mode),
    policy: Type.Optional(Type.String()),
    reason: Type.Optional(Type.String()),
    notEnforced: Type.Optional(Type.Array(Type.String())),
    undo: Type.Optional(Type.String()),
    containment: Type.Optional(
      Type.Literal('contain-to-baseline', {
        description:
          'The offender was contained to its learned edges instead of quarantined (medium severity).',
      }),
    ),
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
    mode: Mode,
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
    containment: Type.Optional(
      Type.Union([Type.Literal('quarantine'), Type.Literal('contain-to-baseline')], {
        description:
          'contain-to-baseline: the offender keeps its learned edges and loses every other (graduated containment for medium severity); quarantine: it is cut off.',
      }),
    ),
    kept: Type.Optional(
      Type.Array(Type.String(), { description: 'With containment: the destinations it may still call.' }),
    ),
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

export const IncidentsQuery = Type.Object(
  {
    kind: Type.Optional(Kind),
    severity: Type.Optional(Severity),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  },
  { additionalProperties: false },
);
export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 253 }) });
export const QuarantinesQuery = Type.Object({ state: Type.Optional(State) }, { additionalProperties: false });
export const AuditQuery = Type.Object(
  { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000, default: 500 })) },
  { additionalProperties: false },
);
export const ByBody = Type.Object(
  {
    by: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, description: 'Who acts (kept in the audit trail).' }),
    ),
  },
  { additionalProperties: false },
);
export const ApproveBody = Type.Object(
  {
    by: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    reason: Type.Optional(
      Type.String({ minLength: 1, maxLength: 1000, description: 'Why (kept in the audit trail).' }),
    ),
  },
  { additionalProperties: false },
);
export const ExtendBody = Type.Object(
  {
    by: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    reason: Type.String({ minLength: 1, maxLength: 1000, description: 'Why (kept in the audit trail).' }),
    secs: Type.Optional(
      Type.Integer({ minimum: 60, maximum: 30 * 86400, description: 'How much longer (default one TTL).' }),
    ),
  },
  { additionalProperties: false },
);
export const ReleaseBody = Type.Object(
  {
    by: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    reason: Type.Optional(Type.String({ minLength: 1, maxLength: 1000 })),
  },
  { additionalProperties: false },
);
export const ManualBody = Type.Object(
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

export const IncidentList = Type.Object({ incidents: Type.Array(IncidentSchema), total: Type.Integer() });
export const QuarantineList = Type.Object({ quarantines: Type.Array(QuarantineSchema) });
export const AuditList = Type.Object({ entries: Type.Array(AuditEntrySchema) });

const BandSchema = Type.Object({ mean: Type.Number(), std: Type.Number() });
export const HistoryQuery = Type.Object(
  { workload: Type.String({ minLength: 1, maxLength: 512, description: 'A principal, or an address.' }) },
  { additionalProperties: false },
);
export const HistorySchema = Type.Object({
  workload: Type.String(),
  points: Type.Array(
    Type.Object({
      endMs: Type.Number(),
      requests: Type.Number(),
      errors: Type.Number(),
      bytes: Type.Number(),
      baseline: Type.Object({ requests: BandSchema, errors: BandSchema, bytes: BandSchema }),
      learning: Type.Boolean(),
      windowsSeen: Type.Number(),
      edges: Type.Array(
        Type.Object({
          dst: Type.String(),
          requests: Type.Number(),
          bytes: Type.Number(),
          isNew: Type.Boolean(),
        }),
      ),
    }),
  ),
});
export const ModelList = Type.Object({
  learning: Type.Integer(),
  scoring: Type.Integer(),
  workloads: Type.Array(
    Type.Object({
      workload: Type.String(),
      state: Type.Union([Type.Literal('learning'), Type.Literal('scoring')]),
      windows: Type.Integer(),
      lastMs: Type.Number(),
    }),
  ),
});
export const DeliveryList = Type.Object({
  deliveries: Type.Array(
    Type.Object({
      channel: Type.String(),
      event: Type.String(),
      status: Type.Union([Type.Literal('queued'), Type.Literal('delivered'), Type.Literal('failed')]),
      attempts: Type.Integer(),
      error: Type.Optional(Type.String()),
      queuedAt: Type.String(),
      updatedAt: Type.String(),
    }),
  ),
});
export const BudgetSchema = Type.Object({
  max: Type.Integer(),
  windowSecs: Type.Integer(),
  used: Type.Integer(),
  remaining: Type.Integer(),
});
