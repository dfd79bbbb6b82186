// The web console (console/, issue 15): the static page and assets Vite built into console/dist,
// served at /console/ by this process. The files need no token (they hold no data: every API call
// the page makes carries the signed-in Bearer token), so the routes are public and hidden from the
// OpenAPI document, which describes the API. Every answer carries a strict Content-Security-Policy:
// scripts, styles, images and API calls from this origin only, nothing inline, no framing.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { notFound } from '../errors.js';
import { installDialect } from '../http/dialect.js';
import { problemDialect } from '../surfaces/shared/problem-details.js';

/** Where `npm run build` (and `npm install`, through `prepare`) puts the built console. */
export const CONSOLE_DIST = fileURLToPath(new URL('../../console/dist/', import.meta.url));

export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "font-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

interface Asset {
  body: Buffer;
  type: string;
  /** Vite names its files by their content hash (`index-3b2A_x9Z.js`): they never change under a name. */
  immutable: boolean;
}

/** Every built file by its path under /console/, read once: the whole console is ~150 KB. */
export function readConsoleAssets(dir = CONSOLE_DIST): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  if (!existsSync(join(dir, 'index.html'))) return assets;
  for (const name of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const path = join(dir, name);
    const type = TYPES[extname(name)];
    if (!type) continue;
    const key = relative(dir, path).split(sep).join('/');
    assets.set(key, { body: readFileSync(path), type, immutable: /-[\w-]{8}\.\w+$/.test(key) });
  }
  return assets;
}

const hidden = { hide: true };
const publicAccess = { auth: false, access: { kind: 'public' as const } };

export async function consoleRoutes(app: FastifyInstance, options: { dir?: string }) {
  installDialect(app, problemDialect, ['/console'], 'path');
  const assets = readConsoleAssets(options.dir);
  // On every answer of these routes, errors included.
  app.addHook('onSend', async (_request, reply, payload) => {
    reply
      .header('content-security-policy', CONSOLE_CSP)
      .header('x-content-type-options', 'nosniff')
      .header('x-frame-options', 'DENY')
      .header('referrer-policy', 'no-referrer')
      .header('cross-origin-opener-policy', 'same-origin');
    return payload;
  });

  const send = (reply: FastifyReply, key: string) => {
    const asset = assets.get(key);
    if (!asset) {
      // Unbuilt (a checkout where `npm install` ran with --ignore-scripts) or an unknown file.
      throw notFound(
        'console file',
        key === 'index.html' && assets.size === 0 ? 'index.html (run npm run build)' : key,
      );
    }
    return reply
      .header('cache-control', asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
      .type(asset.type)
      .send(asset.body);
  };

  // Three routes, not a wildcard: the page, under either spelling, and the files under assets/.
  const page = async (_request: unknown, reply: FastifyReply) => send(reply, 'index.html');
  app.get('/console', { config: publicAccess, schema: hidden }, page);
  app.get('/console/', { config: publicAccess, schema: hidden }, page);
  app.get<{ Params: { file: string } }>(
    '/console/assets/:file',
    { config: publicAccess, schema: hidden },
    async (request, reply) => send(reply, `assets/${request.params.file}`),
  );
}
