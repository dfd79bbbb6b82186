// Seed 002 is a FastAPI service: its `workspace_id: UUID` path parameter is parsed by pydantic,
// which accepts the simple (32 hex digits), hyphenated, braced and `urn:uuid:` forms, and
// explains a failure with the Rust `uuid` crate's message. Both are reproduced here so that the
// 422 body carries the same `msg` and `ctx.error` as the seed's service.

const HEX = /^[0-9a-fA-F]$/;

function parse(input: string): string | null {
  let body: string;
  if (input.length === 32) body = input;
  else if (input.length === 36) body = input;
  else if (input.length === 38 && input.startsWith('{') && input.endsWith('}')) body = input.slice(1, -1);
  else if (input.length === 45 && input.startsWith('urn:uuid:')) body = input.slice(9);
  else return null;
  const hex = body.length === 32 ? body : hyphenated(body);
  if (hex === null || !/^[0-9a-fA-F]{32}$/.test(hex)) return null;
  const lower = hex.toLowerCase();
  return `${lower.slice(0, 8)}-${lower.slice(8, 12)}-${lower.slice(12, 16)}-${lower.slice(16, 20)}-${lower.slice(20)}`;
}

function hyphenated(body: string): string | null {
  if (body.length !== 36) return null;
  for (const at of [8, 13, 18, 23]) if (body[at] !== '-') return null;
  return body.replaceAll('-', '');
}

/** The uuid crate's explanation of why `input` is not a UUID (`InvalidUuid::into_err`). */
function explain(input: string): string {
  let body = input;
  let offset = 0;
  let simple = true;
  if (input.length >= 2 && input.startsWith('{') && input.endsWith('}')) {
    body = input.slice(1, -1);
    offset = 1;
    simple = false;
  } else if (input.startsWith('urn:uuid:')) {
    body = input.slice(9);
    offset = 9;
    simple = false;
  }
  let hyphens = 0;
  const bounds: number[] = [];
  let index = 0;
  for (const character of body) {
    // Indexes count UTF-8 bytes, like Rust's char_indices.
    if (character === '-') {
      if (hyphens < 4) bounds.push(index);
      hyphens += 1;
    } else if (!HEX.test(character)) {
      return `invalid character: expected an optional prefix of \`urn:uuid:\` followed by [0-9a-fA-F-], found \`${character}\` at ${index + offset + 1}`;
    }
    index += Buffer.byteLength(character, 'utf8');
  }
  if (hyphens === 0 && simple) {
    return `invalid length: expected length 32 for simple format, found ${Buffer.byteLength(input, 'utf8')}`;
  }
  if (hyphens !== 4) return `invalid group count: expected 5, found ${hyphens + 1}`;
  const starts = [0, 9, 14, 19, 24];
  const expected = [8, 4, 4, 4, 12];
  for (let group = 0; group < 4; group += 1) {
    if (bounds[group] !== starts[group + 1]! - 1) {
      return `invalid group length in group ${group}: expected ${expected[group]}, found ${bounds[group]! - starts[group]!}`;
    }
  }
  return `invalid group length in group 4: expected 12, found ${Buffer.byteLength(input, 'utf8') - starts[4]!}`;
}

export type UuidParse = { ok: true; uuid: string } | { ok: false; error: string };

/** Parses like pydantic's UUID; `uuid` is the canonical lower-case hyphenated form. */
export function parseUuid(input: string): UuidParse {
  const uuid = parse(input);
  return uuid === null ? { ok: false, error: explain(input) } : { ok: true, uuid };
}
