import { afterEach, beforeEach, expect, vi } from 'vitest';

// A test that writes to the console unexpectedly fails (the agents-realtime console-guard idea). Tests that expect
// output spy on the console themselves; `allowConsole()` opts a test out.
let calls: string[] = [];
let allowed = false;

export function allowConsole(): void {
  allowed = true;
}

beforeEach(() => {
  calls = [];
  allowed = false;
  for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      calls.push(`console.${level}: ${args.map(String).join(' ')}`);
    });
  }
});

afterEach(() => {
  vi.restoreAllMocks();
  if (!allowed) expect(calls, 'unexpected console output').toEqual([]);
});
