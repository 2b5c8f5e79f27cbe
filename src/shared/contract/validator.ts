/**
 * Runtime checks for everything that crosses a process boundary (IPC, HTTP): `unknown` in,
 * a typed value or a ValidationError naming the offending path out. The static request types
 * are inferred from these validators, so the check and the type cannot drift apart.
 */

export class ValidationError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path || 'request'}: ${reason}`);
    this.name = 'ValidationError';
  }
}

export type Validator<T> = (value: unknown, path: string) => T;
export type Infer<V> = V extends Validator<infer T> ? T : never;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

export interface StringRules {
  minLength?: number;
  maxLength?: number;
  /** Rejects NUL and other C0 control characters (paths, names). */
  printable?: boolean;
}

export function str(rules: StringRules = {}): Validator<string> {
  const { minLength = 0, maxLength = 4096, printable = false } = rules;
  return (value, path) => {
    if (typeof value !== 'string') throw new ValidationError(path, `expected a string, got ${describe(value)}`);
    if (value.length < minLength) throw new ValidationError(path, `must be at least ${minLength} character(s)`);
    if (value.length > maxLength) throw new ValidationError(path, `must be at most ${maxLength} characters`);
    // eslint-disable-next-line no-control-regex
    if (printable && /[\u0000-\u001f\u007f]/.test(value)) throw new ValidationError(path, 'must not contain control characters');
    return value;
  };
}

export function int(min: number, max: number): Validator<number> {
  return (value, path) => {
    if (typeof value !== 'number' || !Number.isInteger(value)) throw new ValidationError(path, `expected an integer, got ${describe(value)}`);
    if (value < min || value > max) throw new ValidationError(path, `must be between ${min} and ${max}`);
    return value;
  };
}

/** An integer as JSON or as a GET query gives it (decimal digits): query parameters arrive as strings. */
export function intParam(min: number, max: number): Validator<number> {
  const asInt = int(min, max);
  return (value, path) => asInt(typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : value, path);
}

export function bool(): Validator<boolean> {
  return (value, path) => {
    if (typeof value !== 'boolean') throw new ValidationError(path, `expected true or false, got ${describe(value)}`);
    return value;
  };
}

/** `null` passes as null; anything else goes to the inner validator. */
export function nullable<T>(inner: Validator<T>): Validator<T | null> {
  return (value, path) => (value === null ? null : inner(value, path));
}

export function oneOf<const T extends readonly string[]>(choices: T): Validator<T[number]> {
  return (value, path) => {
    if (typeof value !== 'string' || !choices.includes(value)) {
      throw new ValidationError(path, `expected one of ${choices.map((c) => JSON.stringify(c)).join(', ')}`);
    }
    return value as T[number];
  };
}

export function arrayOf<T>(item: Validator<T>, rules: { minLength?: number; maxLength?: number } = {}): Validator<T[]> {
  const { minLength = 0, maxLength = 10_000 } = rules;
  return (value, path) => {
    if (!Array.isArray(value)) throw new ValidationError(path, `expected an array, got ${describe(value)}`);
    if (value.length < minLength) throw new ValidationError(path, `must hold at least ${minLength} item(s)`);
    if (value.length > maxLength) throw new ValidationError(path, `must hold at most ${maxLength} items`);
    return value.map((v, i) => item(v, `${path}[${i}]`));
  };
}

/** Marks a property that may be absent; `undefined` passes, anything else goes to the inner validator. */
export interface OptionalValidator<T> {
  readonly optional: Validator<T>;
}

export function optional<T>(inner: Validator<T>): OptionalValidator<T> {
  return { optional: inner };
}

type Shape = Record<string, Validator<unknown> | OptionalValidator<unknown>>;
type RequiredKeys<S extends Shape> = { [K in keyof S]: S[K] extends Validator<unknown> ? K : never }[keyof S];
type OptionalKeys<S extends Shape> = { [K in keyof S]: S[K] extends OptionalValidator<unknown> ? K : never }[keyof S];
export type ObjectOf<S extends Shape> = {
  [K in RequiredKeys<S>]: S[K] extends Validator<infer T> ? T : never;
} & {
  [K in OptionalKeys<S>]?: S[K] extends OptionalValidator<infer T> ? T : never;
};

function isOptional(v: Validator<unknown> | OptionalValidator<unknown>): v is OptionalValidator<unknown> {
  return typeof v === 'object';
}

/** A plain object with exactly these keys: unknown keys are an error, so typos never pass silently. */
export function object<S extends Shape>(shape: S): Validator<ObjectOf<S>> {
  return (value, path) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new ValidationError(path, `expected an object, got ${describe(value)}`);
    }
    const input = value as Record<string, unknown>;
    for (const key of Object.keys(input)) {
      if (!Object.prototype.hasOwnProperty.call(shape, key)) throw new ValidationError(path ? `${path}.${key}` : key, 'unknown field');
    }
    const out: Record<string, unknown> = {};
    for (const [key, check] of Object.entries(shape)) {
      const at = path ? `${path}.${key}` : key;
      const field = Object.prototype.hasOwnProperty.call(input, key) ? input[key] : undefined;
      if (isOptional(check)) {
        if (field !== undefined) out[key] = check.optional(field, at);
      } else {
        out[key] = check(field, at);
      }
    }
    return out as ObjectOf<S>;
  };
}

/** Runs a validator at the top level: the path in errors starts empty. */
export function validate<T>(validator: Validator<T>, value: unknown): T {
  return validator(value, '');
}
