/**
 * One admin API route as the route table holds it: everything Fastify registers (method, path, access,
 * schemas, handler) and everything the OpenAPI document says about it (summary, answers), in one place.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Static, TSchema } from '@sinclair/typebox';
import type { Incident } from '../../../pipelines/core/incident.js';
import type { DeliveryRecord } from '../../../pipelines/responders/alerts/index.js';
import type { EntityHistory } from '../../../pipelines/runtime/entity-history.js';
import type { LeastPrivilegeVerifier } from '../../../pipelines/responders/least-privilege/verify.js';
import type { QuarantineManager } from '../../../pipelines/responders/quarantine/index.js';

export interface AdminRoutesOptions {
  incidents: { list(): Incident[]; get(id: string): Incident | undefined };
  quarantine: QuarantineManager;
  /** Least-privilege verification, when it runs in this process (coverage answers `enabled: false` otherwise). */
  leastPrivilege?: Pick<LeastPrivilegeVerifier, 'coverage' | 'approve' | 'release'>;
  /** The admin bearer token; empty = read-only API. */
  token: string;
  /** Recent windows per entity (the console's timeline), when the process keeps them. */
  history?: EntityHistory;
  /** What became of the alerts sent for an incident, when the process sends alerts. */
  alertDeliveries?: (incidentId: string) => DeliveryRecord[];
}

/** Read routes are open without a token; write routes need one (auth.ts). */
export type Access = 'read' | 'write';

export interface RequestSchemas {
  params?: TSchema;
  querystring?: TSchema;
  body?: TSchema;
}

type StaticOf<S, K extends keyof RequestSchemas> = S extends { [P in K]: infer T extends TSchema }
  ? Static<T>
  : unknown;

/** The request as a handler sees it: params, query and body typed from the route's own schemas. */
export type AdminRequest<S extends RequestSchemas> = FastifyRequest<{
  Params: StaticOf<S, 'params'>;
  Querystring: StaticOf<S, 'querystring'>;
  Body: StaticOf<S, 'body'>;
}>;

export interface AdminRoute<S extends RequestSchemas = RequestSchemas> {
  method: 'GET' | 'POST';
  /** Fastify's path syntax (`/api/incidents/:id`); the OpenAPI document writes `{id}`. */
  url: string;
  summary: string;
  access: Access;
  request: S;
  /** The body may be left out entirely (curl -X POST); it is then read as `{}`. */
  bodyOptional?: boolean;
  response: { status: number; schema: TSchema; description: string };
  /** The error statuses it may answer (ErrorBody), for validation and the document. */
  errors: number[];
  handle(admin: AdminRoutesOptions, request: AdminRequest<S>, reply: FastifyReply): Promise<unknown>;
}

/** Type a route's handler from its schemas, then keep it in the table beside the others. */
export function defineRoute<S extends RequestSchemas>(route: AdminRoute<S>): AdminRoute {
  return route as unknown as AdminRoute;
}
