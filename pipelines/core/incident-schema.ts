/**
 * The incident contract's enumerations as TypeBox schemas, declared once for every schema that names them:
 * the alerts and quarantine config sections and the admin API. Typed as the contract's own types
 * (incident.ts), so a validated value is a Severity or an IncidentKind, not a look-alike union.
 */
import { Type } from '@sinclair/typebox';
import type { IncidentKind, QuarantineApplyMode, QuarantineMode, Severity } from './incident.js';

export const SeveritySchema = Type.Unsafe<Severity>(
  Type.Union([Type.Literal('low'), Type.Literal('medium'), Type.Literal('high'), Type.Literal('critical')]),
);

export const IncidentKindSchema = Type.Unsafe<IncidentKind>(
  Type.Union([
    Type.Literal('unauthorized_access'),
    Type.Literal('exfiltration'),
    Type.Literal('lateral_movement'),
    Type.Literal('scanning'),
    Type.Literal('anomaly'),
  ]),
);

/** How a quarantine policy is applied: logged only (Istio's dry-run) or enforced. */
export const QuarantineApplyModeSchema = Type.Unsafe<QuarantineApplyMode>(
  Type.Union([Type.Literal('dry-run'), Type.Literal('enforce')]),
);

/** A quarantine's mode as incidents and the API show it: applied, or waiting for an approval. */
export const QuarantineModeSchema = Type.Unsafe<QuarantineMode>(
  Type.Union([Type.Literal('dry-run'), Type.Literal('enforce'), Type.Literal('pending-approval')]),
);
