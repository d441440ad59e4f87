/**
 * An OTLP `double_value` that holds a whole number (`1.0`, `-0.0`, `3e2`). JavaScript has one number
 * type, so such a double would read back as the integer `1` and every encoder would write it as
 * `int_value`, changing its type on the way through the collector. Decoders wrap only these doubles
 * (a fraction, NaN, ±Infinity or a whole number beyond 2^53 is already written as a double, and strings and
 * integers never are), so the common values stay plain and cost nothing; encoders write the wrapper as
 * `double_value`, and everything that turns values into text or JSON sees its number (`valueOf`,
 * `toJSON`). It is immutable and may be shared.
 *
 * @example
 * const ratio = readDouble(1); // OtlpDouble { value: 1 }
 * JSON.stringify({ ratio }); // '{"ratio":1}'
 */
export class OtlpDouble {
  constructor(readonly value: number) {}

  valueOf(): number {
    return this.value;
  }

  toString(): string {
    return String(this.value);
  }

  toJSON(): number {
    return this.value;
  }
}

/** A decoded double as the record model keeps it: a plain number, or an {@link OtlpDouble} when a plain number would read as an integer. */
export function readDouble(value: number): number | OtlpDouble {
  return Number.isSafeInteger(value) ? new OtlpDouble(value) : value;
}
