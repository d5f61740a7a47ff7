/**
 * The incident console at /ui/: a single-page app served by meshguard itself on its HTTP port. Every
 * path under /ui/ that is not a file answers the page shell, so a deep link such as
 * /ui/incidents/<id> (the link in every alert) loads directly. The page reads the admin API like any
 * client, with the token the user gives it; it holds no data of its own and makes no request elsewhere.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { loadConsoleAssets, type ConsoleAssets } from './assets.js';

export interface ConsoleRoutesOptions {
  /** Defaults to the files next to the compiled service (dist/ui) or the sources' ui/. */
  assets?: ConsoleAssets;
}

function secure(reply: FastifyReply, assets: ConsoleAssets): FastifyReply {
  return reply
    .header('content-security-policy', assets.csp)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('x-frame-options', 'DENY');
}

export async function consoleRoutes(app: FastifyInstance, opts: ConsoleRoutesOptions): Promise<void> {
  const assets = opts.assets ?? loadConsoleAssets();
  const shell = (reply: FastifyReply): FastifyReply =>
    secure(reply, assets)
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-cache')
      .send(assets.shell);

  app.get('/ui', async (_request, reply) => reply.redirect('/ui/'));
  app.get('/ui/', async (_request, reply) => shell(reply));
  app.get<{ Params: { '*': string } }>('/ui/*', async (request, reply) => {
    const path = request.params['*'];
    const file = assets.files.get(path);
    if (file)
      return secure(reply, assets)
        .header('content-type', file.contentType)
        .header('cache-control', 'no-cache')
        .send(file.body);
    if (path.startsWith('assets/') || path.startsWith('vendor/'))
      return reply.code(404).send({ error: 'Not Found', message: `no file /ui/${path}`, statusCode: 404 });
    return shell(reply);
  });
}
