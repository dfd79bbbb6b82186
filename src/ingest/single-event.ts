// A request that carries one event (binary mode, or one structured event) answers that event's
// rejection as a 400 problem document rather than a 207, so a sender that reads only the status
// (the CloudEvents SDK's emitter reads not even that) notices. 207 is for batches.
import { type FieldIssue, TallyError } from '../errors.js';

/** How the event travelled: its attributes in headers (binary) or in the body (structured). */
export type SingleEventMode = 'binary' | 'structured';

/** A one-event request whose event is rejected: a 400 problem document naming each error. */
export function rejected(issues: FieldIssue[], eventId?: string | null): TallyError {
  const which = eventId ? `The event "${eventId}"` : 'The event';
  return new TallyError('bad_request', `${which} was rejected; see errors`, { issues });
}

/**
 * The event readers' errors (`"<field path>: <problem>"`, e.g. `data.agent.id: is required`,
 * `event: …` for the event as a whole) as issues located where the sender put the field: in
 * binary mode an attribute is its `ce-<name>` header (`datacontenttype` is Content-Type) and
 * `data` is the body itself.
 */
export function rejectionIssues(errors: string[], mode: SingleEventMode): FieldIssue[] {
  return errors.map((error) => {
    const split = error.indexOf(': ');
    const path = split < 0 ? 'event' : error.slice(0, split);
    const message = split < 0 ? error : error.slice(split + 2);
    const kind = message === 'is required' ? 'missing' : 'value_error';
    const [head = 'event', ...rest] = path.split('.');
    if (head === 'event') return { location: 'body', field: [], kind, message };
    if (mode === 'structured' || head === 'data') {
      return { location: 'body', field: mode === 'structured' ? [head, ...rest] : rest, kind, message };
    }
    const header = head === 'datacontenttype' ? 'content-type' : `ce-${head}`;
    return { location: 'header', field: [header, ...rest], kind, message };
  });
}
