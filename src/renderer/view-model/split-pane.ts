/**
 * A list beside its detail, split by a draggable, keyboard-operable separator. The split is the
 * list's share of the width (a fraction, so it survives a resized window), kept per view in
 * localStorage; this module is the arithmetic, with no DOM.
 */
export const SPLIT_STORAGE_PREFIX = 'natlens.split.';

export interface SplitLimits {
  /** The list's share when nothing is stored. */
  readonly initial: number;
  readonly min: number;
  readonly max: number;
}

export const DEFAULT_LIMITS: SplitLimits = { initial: 0.6, min: 0.2, max: 0.8 };

/** Arrow keys move the separator by STEP, with Shift by BIG_STEP. */
export const STEP = 0.02;
export const BIG_STEP = 0.1;

export function clampSplit(fraction: number, limits: SplitLimits): number {
  return Math.min(limits.max, Math.max(limits.min, fraction));
}

/** The stored split, or the initial one when nothing usable is stored. */
export function readSplit(stored: string | null, limits: SplitLimits): number {
  const value = stored === null ? Number.NaN : Number(stored);
  return Number.isFinite(value) ? clampSplit(value, limits) : limits.initial;
}

/** The separator's keys (WAI-ARIA window splitter): arrows, Shift+arrows, Home, End, Enter (back to the initial split); null: not ours. */
export function splitAfterKey(fraction: number, key: string, shift: boolean, limits: SplitLimits): number | null {
  const step = shift ? BIG_STEP : STEP;
  switch (key) {
    case 'ArrowLeft':
    case 'ArrowUp':
      return clampSplit(fraction - step, limits);
    case 'ArrowRight':
    case 'ArrowDown':
      return clampSplit(fraction + step, limits);
    case 'Home':
      return limits.min;
    case 'End':
      return limits.max;
    case 'Enter':
      return limits.initial;
    default:
      return null;
  }
}

/** Dragging: the pointer's x within the container gives the list's share; a zero-width container keeps the split. */
export function splitAtPointer(fraction: number, pointerX: number, containerLeft: number, containerWidth: number, limits: SplitLimits): number {
  if (containerWidth <= 0) return fraction;
  return clampSplit((pointerX - containerLeft) / containerWidth, limits);
}

/** aria-valuenow: the list's share in whole percent. */
export function splitPercent(fraction: number): number {
  return Math.round(fraction * 100);
}
