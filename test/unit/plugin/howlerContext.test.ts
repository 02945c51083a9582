import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AudioBackend, VoiceMixerLike } from '../../../plugin/audioBackend.js';
import { createFakeNpcVoice } from '../../../plugin/testing/index.js';
import { personaJson } from './fixtures.js';

afterEach(() => {
  delete (globalThis as { Howler?: unknown }).Howler;
});

/** An audio backend whose mixer does nothing (the plugin's audio wiring is what is under test). */
function silentBackend(): AudioBackend & { mixers: number } {
  const backend = {
    mixers: 0,
    createMixer: (): VoiceMixerLike => {
      backend.mixers++;
      return {
        ready: async () => {},
        createVoice: () => ({ push: () => {}, stop: () => {}, playedMs: () => 0, setPosition: () => {}, level: () => 0, speaking: false, destroy: () => {} }) as never,
        setListener: () => {},
        destroy: () => {},
      };
    },
    openMic: () => Promise.reject(Object.assign(new Error('no mic here'), { reason: 'absent' })),
  };
  return backend;
}

/** Starts the plugin core playing in `context` and presses push-to-talk, which sets up its audio; resolves once it has. */
async function startAudioIn(context: { state: AudioContextState; resume(): Promise<void> }) {
  const audio = silentBackend();
  const fake = createFakeNpcVoice({ personas: { blacksmith: personaJson('blacksmith') }, audio, audioContext: () => context as unknown as AudioContext });
  fake.controller.start();
  fake.controller.setTalking(true);
  await vi.waitFor(() => expect(audio.mixers).toBe(1));
  return fake;
}

describe("voices in Howler's AudioContext", () => {
  it("turn Howler's 30 s auto-suspend off (it would silence the NPCs) and resume a context Howler already suspended", async () => {
    const context = { state: 'suspended' as AudioContextState, resume: vi.fn(() => Promise.resolve()), destination: {} };
    const howler = { ctx: context, masterGain: { connect: () => {} }, autoSuspend: true };
    (globalThis as { Howler?: unknown }).Howler = howler;
    const fake = await startAudioIn(context);
    expect(howler.autoSuspend).toBe(false);
    expect(context.resume).toHaveBeenCalled();
    fake.controller.destroy();
  });

  it("leaves Howler alone when the voices play in another context", async () => {
    const own = { state: 'running' as AudioContextState, resume: vi.fn(() => Promise.resolve()), destination: {} };
    const howler = { ctx: { other: true }, masterGain: {}, autoSuspend: true };
    (globalThis as { Howler?: unknown }).Howler = howler;
    const fake = await startAudioIn(own);
    expect(howler.autoSuspend).toBe(true);
    expect(own.resume).not.toHaveBeenCalled();
    fake.controller.destroy();
  });
});
