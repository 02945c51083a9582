import { describe, expect, it } from 'vitest';
import { loadWorkletModule, WorkletLoadError } from '../../../plugin/audio/loadWorklet.js';

/** A context whose audioWorklet records what it was asked to load and fails for the URLs in `failing`. */
function contextWith(failing: (url: string) => boolean): { context: BaseAudioContext; loaded: string[] } {
  const loaded: string[] = [];
  const audioWorklet = {
    async addModule(url: string) {
      loaded.push(url);
      if (failing(url)) throw new DOMException('Unable to load a worklet module.', 'AbortError');
    },
  };
  return { context: { audioWorklet } as unknown as BaseAudioContext, loaded };
}

describe('loadWorkletModule', () => {
  it('loads from the URL when it answers, without touching the inlined code', async () => {
    const { context, loaded } = contextWith(() => false);
    await loadWorkletModule(context, { url: '/assets/player.js', source: 'registerProcessor("x", class {})' });
    expect(loaded).toEqual(['/assets/player.js']);
  });

  it('falls back to a blob: URL of the inlined code when the URL fails (a 404, a moved bundle)', async () => {
    const { context, loaded } = contextWith((url) => !url.startsWith('blob:'));
    await loadWorkletModule(context, { url: '/cdn/moved/assets/player.js', source: 'registerProcessor("x", class {})' });
    expect(loaded).toHaveLength(2);
    expect(loaded[1]).toMatch(/^blob:/);
  });

  it('names the URL and the cause when neither loads, and lets a later call retry', async () => {
    const { context, loaded } = contextWith(() => true);
    const load = loadWorkletModule(context, { url: '/assets/player.js', source: 'x' });
    await expect(load).rejects.toBeInstanceOf(WorkletLoadError);
    await expect(load).rejects.toThrow(/\/assets\/player\.js nor from its inlined code \(AbortError/);
    await expect(loadWorkletModule(context, { url: '/assets/player.js', source: 'x' })).rejects.toThrow(WorkletLoadError);
    expect(loaded).toHaveLength(4);
  });

  it('loads once per context and URL however often it is asked', async () => {
    const { context, loaded } = contextWith(() => false);
    await Promise.all([loadWorkletModule(context, '/a.js'), loadWorkletModule(context, { url: '/a.js' })]);
    expect(loaded).toEqual(['/a.js']);
  });
});

describe('loadWorkletModule from a pre-bundled copy of the library', () => {
  it("goes straight to the inlined code for a URL in Vite's .vite/deps folder (no 404 in the console)", async () => {
    const { context, loaded } = contextWith(() => false);
    await loadWorkletModule(context, { url: 'http://localhost:5173/node_modules/.vite/deps/assets/streamPlayer.worklet-x.js', source: 'x' });
    expect(loaded).toHaveLength(1);
    expect(loaded[0]).toMatch(/^blob:/);
  });
});
