// The routes the app really serves, read from Fastify's own route tree (printRoutes), which also
// lists routes hidden from the OpenAPI document. HEAD routes are Fastify's automatic twins of GET
// routes and are left out.
import type { FastifyInstance } from 'fastify';

/** `METHOD /path/:param` for every route. */
export function servedRoutes(app: FastifyInstance): string[] {
  const tree = app.printRoutes({ commonPrefix: false });
  const prefixes: string[] = [];
  const routes: string[] = [];
  for (const line of tree.split('\n')) {
    const match = /^([│ ├└─]*?)([├└]── )(.*)$/u.exec(line);
    if (!match) continue;
    const depth = [...match[1]!].length / 4;
    const label = /^(.*?)(?: \(([A-Z, ]+)\))?$/.exec(match[3]!)!;
    const path = (prefixes[depth - 1] ?? '') + label[1]!;
    prefixes[depth] = path;
    prefixes.length = depth + 1;
    for (const method of (label[2] ?? '').split(', ').filter((m) => m !== '' && m !== 'HEAD')) {
      routes.push(`${method} ${path}`);
    }
  }
  return routes.sort();
}
