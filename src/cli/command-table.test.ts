import { describe, expect, it } from 'vitest';
import { COMMANDS } from './command-table';

describe('the command table', () => {
  it('lists each command once, with the name and summary its module gives', async () => {
    expect(new Set(COMMANDS.map((c) => c.name)).size).toBe(COMMANDS.length);
    for (const entry of COMMANDS) {
      const command = await entry.load();
      expect({ name: command.name, summary: command.summary }).toEqual({ name: entry.name, summary: entry.summary });
      expect(command.usage.startsWith(`usage: natlens ${entry.name}`)).toBe(true);
    }
  });
});
