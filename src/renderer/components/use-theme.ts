/** The page's theme: applied as <html data-theme>, following prefers-color-scheme until the user picks one. */
import { useCallback, useEffect, useState } from 'react';
import { effectiveTheme, nextThemeChoice, oppositeTheme, readThemeChoice, THEME_STORAGE_KEY, type Theme, type ThemeChoice } from '../view-model/theme';

function storedChoice(): ThemeChoice {
  try {
    return readThemeChoice(window.localStorage.getItem(THEME_STORAGE_KEY));
  } catch {
    // Storage refused (a locked-down profile): the system decides.
    return 'system';
  }
}

export function useTheme(): { choice: ThemeChoice; theme: Theme; cycle(): void; toggle(): void } {
  const [choice, setChoice] = useState<ThemeChoice>(storedChoice);
  const [query] = useState(() => window.matchMedia('(prefers-color-scheme: dark)'));
  const [systemDark, setSystemDark] = useState(query.matches);
  useEffect(() => {
    const follow = (e: MediaQueryListEvent): void => setSystemDark(e.matches);
    query.addEventListener('change', follow);
    return () => query.removeEventListener('change', follow);
  }, [query]);
  const theme = effectiveTheme(choice, systemDark);
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);
  const choose = useCallback((pick: (current: ThemeChoice) => ThemeChoice) => {
    setChoice((c) => {
      const next = pick(c);
      try {
        if (next === 'system') window.localStorage.removeItem(THEME_STORAGE_KEY);
        else window.localStorage.setItem(THEME_STORAGE_KEY, next);
      } catch {
        // Not kept across reloads; the choice still applies now.
      }
      return next;
    });
  }, []);
  const cycle = useCallback(() => choose(nextThemeChoice), [choose]);
  // View › Toggle Dark Mode: straight to the other theme, whatever the choice was.
  const toggle = useCallback(() => choose(() => oppositeTheme(theme)), [choose, theme]);
  return { choice, theme, cycle, toggle };
}
