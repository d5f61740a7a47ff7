/**
 * The incident contract's enumerations as config schema pieces, shared by the alerts and quarantine
 * sections. Typed as the contract's own types (pipelines/core/incident.ts), so a config value is a Severity
 * or an IncidentKind, not a look-alike union.
 */
import { Type } from '@sinclair/typebox';
import type { IncidentKind, Severity } from '../core/incident.js';

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
