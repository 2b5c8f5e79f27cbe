/** The one error type of the model layer: the project database cannot be opened, migrated or read as expected. */
export class ModelError extends Error {
  constructor(
    readonly database: string,
    readonly reason: string,
  ) {
    super(`${database}: ${reason}`);
    this.name = 'ModelError';
  }
}
