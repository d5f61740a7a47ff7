/** The admin API's one error shape: `{error, message, statusCode}` (schemas.ts ErrorBody). */
import type { FastifyReply } from 'fastify';

export const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  422: 'Unprocessable Entity',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
};

export function sendError(reply: FastifyReply, statusCode: number, message: string): FastifyReply {
  return reply.code(statusCode).send({ error: STATUS_TEXT[statusCode] ?? 'Error', message, statusCode });
}
