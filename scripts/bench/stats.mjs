// Figures the bench scripts share.

/** The median of `xs` (the mean of the middle two for an even count); null for none. */
export const median = (xs) => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** A figure with two decimals, or n/a when there is none. */
export const f2 = (n) => (n === null || n === undefined ? 'n/a' : n.toFixed(2));

/** A figure rounded to a whole number, or n/a when there is none. */
export const f0 = (n) => (n === null || n === undefined ? 'n/a' : Math.round(n).toString());
