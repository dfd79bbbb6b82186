// Hostile text, decoded: what a careless or malicious client puts in a value. Numbers a parser
// chokes on, impossible dates and time zones, injection fragments, awkward and ill-formed Unicode,
// very long and blank strings. arbitraries.ts turns these into URL and header values.
import fc from 'fast-check';

export const numbers = fc.oneof(
  fc.constantFrom(
    '1e400',
    '-1e400',
    '1e308',
    '-1',
    '-0',
    '0',
    '1.5',
    '1e3',
    '1E+2',
    '0x10',
    '007',
    '+5',
    ' 5 ',
    'NaN',
    'Infinity',
    '-Infinity',
    '9007199254740993',
    '2147483648',
    '-2147483649',
    '9223372036854775808',
    '1_000',
    '١٢٣',
    '９',
  ),
  fc.integer().map(String),
  fc.double().map(String),
  fc.bigInt().map(String),
  fc.nat({ max: 60 }).map((digits) => '9'.repeat(digits + 20)),
);

const dates = fc.oneof(
  fc.constantFrom(
    '2024-02-30',
    '2024-13-01',
    '0000-00-00',
    '2023-02-29',
    '9999-99-99T25:61',
    '2024-01-01T24:00:00Z',
    '2024-01-01T23:59:60Z',
    '2024-01-01T00:00:00+25:00',
    '2024-01-01T00:00:00-24:00',
    '2024-01-01T00:00:00.123456789Z',
    '2024-01-01 00:00',
    '20240101T000000Z',
    '-000001-01-01T00:00:00Z',
    '+275760-09-13T00:00:00.001Z',
    '1970-01-01T00:00:00Z',
    '2024-03-10T02:30:00[America/New_York]',
    '2024-01-01T00:00:00 Europe/Paris',
    '2024-W01-1',
    '2024-001',
    'now',
    'yesterday',
    'Invalid Date',
  ),
  fc
    .date({ min: new Date(-8.64e15), max: new Date(8.64e15), noInvalidDate: true })
    .chain((date) =>
      fc.constantFrom(date.toISOString(), date.toISOString().slice(0, 10), String(date.getTime())),
    ),
);

const timeZones = fc.constantFrom(
  'UTC',
  'Europe/Paris',
  'Mars/Olympus_Mons',
  'UTC+25:00',
  'Etc/GMT+15',
  'Etc/GMT-14',
  '+25:00',
  '-24:00',
  'EST5EDT',
  'America/Argentina/ComodRivadavia',
  '../../../etc/localtime',
  'Asia/Kolkata\u0000',
);

const injections = fc.constantFrom(
  "' OR 1=1 --",
  "'; DROP TABLE activities; --",
  '" OR ""="',
  '1; SELECT pg_sleep(10)',
  "1' UNION SELECT null, version() --",
  "%' --",
  '$1',
  '$$',
  "E'\\x00'",
  '::jsonb',
  "')) OR (('1'='1",
  '{"$gt":""}',
  '{"a":',
  '[[[[[[[[',
  '{"__proto__":{"polluted":true}}',
  'null',
  'true',
  '[]',
  '{}',
  '"',
  '\\u0000',
  '<script>alert(1)</script>',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a Log4Shell probe, sent as literal text
  '${jndi:ldap://x}',
  '../../etc/passwd',
  '%2e%2e%2f',
  '\\',
);

const unicode = fc.oneof(
  fc.constantFrom(
    '😀',
    '𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
    '\u202Eevil\u202C',
    'שלום',
    'مرحبا',
    'e\u0301\u0301\u0301\u0301',
    'Z̸̢̛̲͙̓̆a̴l̵g̶o',
    '\uFEFF',
    '\u200B',
    'ﬀ',
    'İ',
    '\u2028\u2029',
    '\u0000',
    '\t\r\n',
  ),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
);

/** Ill-formed UTF-16: lone surrogates, which JSON escapes as `\uD800` and UTF-8 cannot encode. */
const loneSurrogates = fc.constantFrom('\uD800', '\uDFFF', 'a\uD83Db', '\uDC00\uD800', 'x\uDBFF');

const long = fc.oneof(
  fc.constant('x'.repeat(10_000)),
  fc.constant('9'.repeat(10_000)),
  fc.constant('é'.repeat(3_000)),
  fc.string({ minLength: 200, maxLength: 2_000 }),
);

const blanks = fc.constantFrom('', ' ', '  \t', '+', '=');

/** Any hostile text, decoded. */
export const hostileText: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: numbers, weight: 4 },
  { arbitrary: dates, weight: 3 },
  { arbitrary: timeZones, weight: 1 },
  { arbitrary: injections, weight: 3 },
  { arbitrary: unicode, weight: 3 },
  { arbitrary: loneSurrogates, weight: 2 },
  { arbitrary: long, weight: 1 },
  { arbitrary: blanks, weight: 1 },
  { arbitrary: fc.string({ maxLength: 30 }), weight: 2 },
);
