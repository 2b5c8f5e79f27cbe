import { describe, expect, it } from 'vitest';
import { effectiveTheme, nextThemeChoice, readThemeChoice, themeLabel } from './theme';

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
});
