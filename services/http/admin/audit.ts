/** GET /api/audit: the audit trail of quarantine actions. */
import { defineRoute } from './route.js';
import { AuditList, AuditQuery } from './schemas.js';

export const auditRoutes = [
  defineRoute({
    method: 'GET',
    url: '/api/audit',
    summary: 'The audit trail of quarantine actions, oldest first (the last `limit`).',
    access: 'read',
    request: { querystring: AuditQuery },
    response: { status: 200, schema: AuditList, description: 'Audit entries' },
    errors: [400, 401],
    async handle({ quarantine }, request) {
      const entries = await quarantine.audit();
      return { entries: entries.slice(-(request.query.limit ?? 500)) };
    },
  }),
];
