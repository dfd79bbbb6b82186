// Hot statements compiled once per shape. Building a query through Kysely (immutable nodes, then
// a compiling visitor) costs tens of microseconds per request: 96 µs for the usage-history page
// on the development box. A shaped query is written with Kysely as usual, but built once per
// shape (the choices that change its text: which filters are present) with placeholders where
// the values go; later calls of the same shape only put their values in the placeholders' places.
// The texts are few and fixed, which is also what lets the driver prepare them
// (prepared-statements.ts).
import { type Compilable, type CompiledQuery, createQueryId } from 'kysely';

const SLOT = Symbol('slot');

interface Slot {
  readonly [SLOT]: string;
}

const isSlot = (value: unknown): value is Slot =>
  typeof value === 'object' && value !== null && SLOT in (value as object);

interface Compiled {
  compiled: CompiledQuery;
  /** For each parameter, the value it takes: a slot's name, or null for the built-in constant. */
  sources: (string | null)[];
}

export class ShapedQuery<Values extends Record<string, unknown>, Shape, Row> {
  private readonly shapes = new Map<string, Compiled>();

  /**
   * `build` writes the query for one shape from its values; it must use each value only as a value
   * (never branch on it: a branch belongs in the shape), since it is called with placeholders.
   */
  constructor(
    private readonly build: (values: Values, shape: Shape) => Compilable<Row>,
    private readonly keyOf: (shape: Shape) => string,
  ) {}

  /** The query as `build` would compile it for these values and shape. */
  compile(values: Values, shape: Shape): CompiledQuery<Row> {
    const key = this.keyOf(shape);
    let entry = this.shapes.get(key);
    if (entry === undefined) {
      const slots = Object.fromEntries(
        Object.keys(values).map((name) => [name, { [SLOT]: name } satisfies Slot]),
      ) as unknown as Values;
      const compiled = this.build(slots, shape).compile();
      entry = {
        compiled,
        sources: compiled.parameters.map((parameter) => (isSlot(parameter) ? parameter[SLOT] : null)),
      };
      this.shapes.set(key, entry);
    }
    const { compiled, sources } = entry;
    const parameters = sources.map((source, i) =>
      source === null ? compiled.parameters[i] : values[source],
    );
    return { ...compiled, parameters, queryId: createQueryId() } as CompiledQuery<Row>;
  }
}
