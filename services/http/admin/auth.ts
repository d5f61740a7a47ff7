/**
 * Who may call the admin API: `Authorization: Bearer <admin token>`. With no token configured the read
 * routes are open and the write routes refuse with 403: a deployment without a token is read-only, never
 * open for writes.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { bearerMatches } from '../../../pipelines/sources/http/index.js';
import { sendError } from './errors.js';
import type { Access } from './route.js';

const READ_ONLY =
  'the admin API is read-only: no admin token is configured (set admin.token or MESHGUARD_ADMIN_TOKEN)';

/** The onRequest hook of a route with this access. */
export function authorize(access: Access, token: string) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (!token) {
      if (access === 'write') await sendError(reply, 403, READ_ONLY);
      return;
    }
    if (!bearerMatches(request.headers.authorization, token)) {
      reply.header('www-authenticate', 'Bearer');
      await sendError(reply, 401, 'missing or wrong bearer token (Authorization: Bearer <admin token>)');
    }
  };
}
