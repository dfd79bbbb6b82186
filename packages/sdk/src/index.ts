export {
  type components,
  createTallyClient,
  type paths,
  TallyApiError,
  type TallyClient,
  type TallyClientOptions,
  unwrap,
} from './client.js';
export type * from './events.js';
export { expressRoute, type TallyExpressOptions, tallyExpress } from './express.js';
export { type TallyFastifyOptions, tallyFastify } from './fastify.js';
export { uuidv7 } from './ids.js';
export {
  backoffDelay,
  type OverflowPolicy,
  parseRetryAfter,
  type RecorderErrorKind,
  type RecorderStats,
  type RejectedEvent,
  type RetryOptions,
  TallyRecorder,
  TallyRecorderError,
  type TallyRecorderOptions,
} from './recorder.js';
export {
  defaultAction,
  defaultResource,
  type RequestFacts,
  type RequestRecordingOptions,
  type ResourceRef,
  redact,
  SECRET_NAME,
} from './request-recording.js';
