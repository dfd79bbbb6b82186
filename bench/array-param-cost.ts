// What encoding the write path's array parameters costs (src/db/array-param.ts): five columns of
// 2,500 elements, as a group of batches sends them (ids, paths, actions, token usage as jsonb, a
// half-null column), each encoded in PostgreSQL's binary array format 200 times a round.
//
//   node dist-bench/bench/array-param-cost.js
import { randomUUID } from 'node:crypto';
import { binaryArray } from '../src/db/array-param.js';

const n = 2500;
const ids = Array.from({ length: n }, () => randomUUID());
const paths = Array.from({ length: n }, (_, i) => `/v1/orgs/org-${i % 7}/workspaces/ws-${i % 40}/things`);
const actions = Array.from({ length: n }, (_, i) => ['create', 'read', 'update', 'delete'][i % 4]!);
const usage = Array.from({ length: n }, (_, i) =>
  JSON.stringify({ input_tokens: i, output_tokens: i * 2, total_tokens: i * 3 }),
);
const halfNull = Array.from({ length: n }, (_, i) => (i % 2 ? null : 'x'));

console.log('µs per five columns of 2,500 elements, five rounds:');
for (let round = 0; round < 5; round += 1) {
  const start = process.hrtime.bigint();
  for (let k = 0; k < 200; k += 1) {
    binaryArray('text', ids);
    binaryArray('text', paths);
    binaryArray('text', actions);
    binaryArray('jsonb', usage);
    binaryArray('text', halfNull);
  }
  console.log((Number(process.hrtime.bigint() - start) / 1e3 / 200).toFixed(1));
}
