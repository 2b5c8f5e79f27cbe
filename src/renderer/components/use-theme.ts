/** The page's theme: applied as <html data-theme>, following prefers-color-scheme until the user picks one. */
import { useCallback, useEffect, useState } from 'react';
import { effectiveTheme, nextThemeChoice, readThemeChoice, THEME_STORAGE_KEY, type Theme, type ThemeChoice } from '../view-model/theme';

function storedChoice(): ThemeChoice {
  try {
    return readThemeChoice(window.localStorage.getItem(THEME_STORAGE_KEY));
  } catch {
    // Storage refused (a locked-down profile): the system decides.
    return 'system';
  }
}

export function useTheme(): { choice: ThemeChoice; theme: Theme; cycle(): void } {
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
  const cycle = useCallback(() => {
    setChoice((c) => {
      const next = nextThemeChoice(c);
      try {
        if (next === 'system') window.localStorage.removeItem(THEME_STORAGE_KEY);
        else window.localStorage.setItem(THEME_STORAGE_KEY, next);
      } catch {
        // Not kept across reloads; the choice still applies now.
      }
      return next;
    });
  }, []);
  return { choice, theme, cycle };
}
