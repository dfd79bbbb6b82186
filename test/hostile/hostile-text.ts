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
    // 2^53 and its neighbours: the last integer a double holds exactly, and past it.
    '9007199254740991',
    '9007199254740992',
    '-9007199254740993',
    '18446744073709551616',
    '4294967296',
    '32768',
    '1.7976931348623157e308',
    '5e-324',
    '1_000',
    '١٢٣',
    '９',
  ),
  fc.integer().map(String),
  fc.double().map(String),
  fc.bigInt().map(String),
  fc.nat({ max: 60 }).map((digits) => '9'.repeat(digits + 20)),
);

/**
 * Dates and times at and past the edges of what Tally holds (years 0001–9999 in UTC,
 * src/instants.ts), in the forms a parser might still accept: extended years, year 0000, an
 * offset that carries the last second of 9999 into 10000 in UTC (or the first of 0001 into 0000),
 * leap seconds, fractions longer than any clock, Unix times past the range or past 2^53.
 */
export const edgeDates = fc.constantFrom(
  '+010000-01-01T00:00:00Z',
  '+010000-01-01',
  '10000-01-01T00:00:00Z',
  '-000001-01-01T00:00:00Z',
  '+000000-01-01T00:00:00Z',
  '0000-01-01',
  '0000-01-01T00:00:00Z',
  '0000-12-31T23:59:59.999999Z',
  '0001-01-01T00:00:00Z',
  '0001-01-01T00:00:00+00:01',
  '0001-01-01T00:30:00+01:00',
  '0001-01-01',
  '0099-12-31T12:00:00Z',
  '9999-12-31',
  '9999-12-31T23:59:59Z',
  '9999-12-31T23:59:59.999Z',
  '9999-12-31T23:59:59.999999Z',
  '9999-12-31T23:59:59-00:01',
  '9999-12-31T23:59:59-01:00',
  '9999-12-31T22:00:00-23:59',
  '9999-12-31T23:59:60Z',
  '2016-12-31T23:59:60Z',
  '2024-06-30T23:59:60+00:00',
  `2024-01-01T00:00:00.${'9'.repeat(40)}Z`,
  `2024-01-01T00:00:00.${'1'.repeat(5_000)}Z`,
  '2024-01-01T00:00:00.Z',
  '2024-01-01T00:00:00+2400',
  '2024-01-01T00:00:00+23:60',
  '2024-02-29T24:00:00Z',
  '2024-02-30T00:00:00Z',
  '253402300800',
  '253402300800000',
  '-62135596801',
  '-62135596800001',
  '9007199254740993',
  '-8640000000000001',
  '8.64e15',
  '1e21',
);

/** Any hostile date or time: impossible, out of range, or oddly written. */
export const hostileDates = fc.oneof(
  edgeDates,
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
  { arbitrary: hostileDates, weight: 3 },
  { arbitrary: timeZones, weight: 1 },
  { arbitrary: injections, weight: 3 },
  { arbitrary: unicode, weight: 3 },
  { arbitrary: loneSurrogates, weight: 2 },
  { arbitrary: long, weight: 1 },
  { arbitrary: blanks, weight: 1 },
  { arbitrary: fc.string({ maxLength: 30 }), weight: 2 },
);
