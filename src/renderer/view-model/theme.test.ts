import { describe, expect, it } from 'vitest';
import { effectiveTheme, nextThemeChoice, oppositeTheme, readThemeChoice, themeLabel } from './theme';

describe('theme', () => {
  it('follows the system until the user picks, and reads only a known stored choice', () => {
    expect(effectiveTheme('system', true)).toBe('dark');
    expect(effectiveTheme('system', false)).toBe('light');
    expect(effectiveTheme('light', true)).toBe('light');
    expect(readThemeChoice('dark')).toBe('dark');
    expect(readThemeChoice(null)).toBe('system');
    expect(readThemeChoice('purple')).toBe('system');
  });

  it('cycles system → dark → light → system and says which is in force', () => {
    expect([nextThemeChoice('system'), nextThemeChoice('dark'), nextThemeChoice('light')]).toEqual(['dark', 'light', 'system']);
    expect(themeLabel('system', 'dark')).toBe('Theme: system (dark)');
    expect(themeLabel('light', 'light')).toBe('Theme: light');
  });

  it('toggles (the desktop menu) straight to the theme not shown', () => {
    expect(oppositeTheme(effectiveTheme('system', true))).toBe('light');
    expect(oppositeTheme(effectiveTheme('system', false))).toBe('dark');
    expect(oppositeTheme('dark')).toBe('light');
  });
});
