// The bench scripts' command line.

/** The value after `--name` on the command line, or `fallback` when it is absent or empty. */
export const option = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
};
