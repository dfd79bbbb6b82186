// ClaimKeyMap (src/ledger/write/claim-key-map.ts) keys by (org, source, event id) without a key
// string: it must answer exactly as a map keyed by the three parts would, whichever part two keys
// share, including parts that a joined key string could not tell apart ('a\u0000b' + 'c' against
// 'a' + 'b\u0000c') and names an object would resolve through its prototype.
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { ClaimKeyMap } from '../../src/ledger/write/claim-key-map.js';

// Few short parts, so that generated keys share event ids, sources and orgs often.
const part = fc.oneof(
  fc.constantFrom('a', 'b', 'a\u0000b', 'b\u0000c', '', '__proto__', 'constructor', 'é', '日本'),
  fc.string({ maxLength: 2 }),
);
const key = fc.record({ orgId: part, source: part, eventId: part });
const op = fc.record({ set: fc.boolean(), key, value: fc.integer() });

it('answers as a map keyed by the three parts does, after any sequence of sets', () => {
  fc.assert(
    fc.property(fc.array(op, { maxLength: 60 }), fc.array(key, { maxLength: 20 }), (ops, probes) => {
      const map = new ClaimKeyMap<number>();
      const reference = new Map<string, number>();
      const referenceKey = (k: { orgId: string; source: string; eventId: string }) =>
        JSON.stringify([k.orgId, k.source, k.eventId]);
      for (const { set, key: k, value } of ops) {
        if (set) {
          map.set(k.orgId, k, value);
          reference.set(referenceKey(k), value);
        }
        expect(map.get(k.orgId, k)).toBe(reference.get(referenceKey(k)));
        expect(map.has(k.orgId, k)).toBe(reference.has(referenceKey(k)));
      }
      for (const k of [...probes, ...ops.map((o) => o.key)]) {
        expect(map.get(k.orgId, k)).toBe(reference.get(referenceKey(k)));
        expect(map.has(k.orgId, k)).toBe(reference.has(referenceKey(k)));
      }
    }),
    { numRuns: 500 },
  );
});

it('keeps keys apart that share an event id but differ in org or source', () => {
  const map = new ClaimKeyMap<string>();
  map.set('org-a', { source: 's', eventId: 'e' }, 'a');
  map.set('org-b', { source: 's', eventId: 'e' }, 'b');
  map.set('org-a', { source: 't', eventId: 'e' }, 'c');
  map.set('org-a', { source: 's', eventId: 'e' }, 'd');
  expect(map.get('org-a', { source: 's', eventId: 'e' })).toBe('d');
  expect(map.get('org-b', { source: 's', eventId: 'e' })).toBe('b');
  expect(map.get('org-a', { source: 't', eventId: 'e' })).toBe('c');
  expect(map.has('org-b', { source: 't', eventId: 'e' })).toBe(false);
  expect(map.has('org-a', { source: 's', eventId: '__proto__' })).toBe(false);
});
