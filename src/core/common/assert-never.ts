/** Exhaustiveness guard for discriminated unions: adding a case breaks the build where it must be handled. */
export function assertNever(value: never): never {
  throw new Error(`unhandled case: ${JSON.stringify(value)}`);
}
