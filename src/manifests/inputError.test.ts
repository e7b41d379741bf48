import { join, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { displayPath, formatLocation } from './inputError.js';

describe('paths as dsconform prints them', () => {
  it('relative to the current directory inside it, absolute outside it, never ../..', () => {
    expect(displayPath(join(process.cwd(), 'scenarios', 'x.yaml'))).toBe(`scenarios${sep}x.yaml`);
    expect(displayPath('/elsewhere/x.yaml', '/work/main')).toBe('/elsewhere/x.yaml');
    expect(displayPath('/work/x.yaml', '/work/main')).toBe('/work/x.yaml');
    expect(displayPath('scenarios/x.yaml')).toBe('scenarios/x.yaml');
    expect(formatLocation({ file: '/elsewhere/x.yaml', line: 3, column: 5 })).toBe('/elsewhere/x.yaml:3:5');
  });
});
