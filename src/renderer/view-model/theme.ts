/**
 * Light or dark: the system's choice (prefers-color-scheme) unless the user picked one, which is kept
 * in localStorage. The toggle cycles system → dark → light → system.
 */
export type ThemeChoice = 'system' | 'light' | 'dark';
export type Theme = 'light' | 'dark';

export const THEME_STORAGE_KEY = 'natlens.theme';

export function readThemeChoice(stored: string | null): ThemeChoice {
  return stored === 'light' || stored === 'dark' ? stored : 'system';
}

export function effectiveTheme(choice: ThemeChoice, systemDark: boolean): Theme {
  return choice === 'system' ? (systemDark ? 'dark' : 'light') : choice;
}

export function nextThemeChoice(choice: ThemeChoice): ThemeChoice {
  switch (choice) {
    case 'system':
      return 'dark';
    case 'dark':
      return 'light';
    case 'light':
      return 'system';
    default: {
      const never: never = choice;
      return never;
    }
  }
}

/** The desktop's Toggle Dark Mode: the theme not shown now, kept as the user's choice. */
export function oppositeTheme(theme: Theme): ThemeChoice {
  return theme === 'dark' ? 'light' : 'dark';
}

export function themeLabel(choice: ThemeChoice, theme: Theme): string {
  return choice === 'system' ? `Theme: system (${theme})` : `Theme: ${choice}`;
}
