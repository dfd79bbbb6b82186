// tallyExpress: Express 4 and 5 middleware recording every request as `activity.recorded`. Mount
// it before the routes (`app.use(tallyExpress({ recorder }))`); the route template is known only
// once a route matched, so the event is built when the response finishes. The types below are
// the few members used, so neither express nor @types/express is needed to use it.
import { type RequestRecordingOptions, recordRequest, reportError } from './request-recording.js';

export interface ExpressLikeRequest {
  method: string;
  /** The URL path without the query (what an `exclude` predicate usually looks at). */
  path?: string;
  originalUrl?: string;
  baseUrl?: string;
  route?: { path?: unknown } | undefined;
  params?: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  body?: unknown;
}

export interface ExpressLikeResponse {
  statusCode: number;
  once(event: 'finish', listener: () => void): unknown;
}

export type TallyExpressOptions<
  Req extends ExpressLikeRequest = ExpressLikeRequest,
  Res extends ExpressLikeResponse = ExpressLikeResponse,
> = RequestRecordingOptions<Req, Res>;

export {
  defaultAction,
  defaultResource,
  type RequestFacts,
  type ResourceRef,
  redact,
  SECRET_NAME,
} from './request-recording.js';

/** `req.baseUrl` + `req.route.path`: the template of the route that answered, mounts included. */
export function expressRoute(request: ExpressLikeRequest): string | undefined {
  const path = request.route?.path;
  if (typeof path !== 'string') return undefined;
  const joined = `${request.baseUrl ?? ''}${path === '/' && request.baseUrl ? '' : path}`;
  return joined === '' ? '/' : joined;
}

export function tallyExpress<
  Req extends ExpressLikeRequest = ExpressLikeRequest,
  Res extends ExpressLikeResponse = ExpressLikeResponse,
>(
  options: TallyExpressOptions<Req, Res>,
): (request: Req, response: Res, next: (error?: unknown) => void) => void {
  return (request, response, next) => {
    try {
      if (!options.exclude?.(request)) {
        const at = Date.now();
        const clock = performance.now();
        // A request whose client went away before the answer was sent is not recorded.
        response.once('finish', () => {
          recordRequest(
            options,
            request,
            response,
            {
              method: request.method,
              route: expressRoute(request),
              params: request.params ?? {},
              statusCode: response.statusCode,
              durationMs: performance.now() - clock,
            },
            at,
            { headers: request.headers, body: request.body },
          );
        });
      }
    } catch (error) {
      reportError(options.onError, error);
    }
    next();
  };
}
