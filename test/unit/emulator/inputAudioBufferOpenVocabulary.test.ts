import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputAudioBuffer, type CommittedTurn } from '../../../server/emulator/realtime/InputAudioBuffer.js';
import { buildGrammar } from '../../../server/emulator/speech/grammar.js';
import { createOpenVocabularyStt, isOpenVocabularyInstalled, type OpenVocabularyStt } from '../../../server/emulator/speech/openVocabularyStt.js';
import { createSphinxStt, type SphinxStt } from '../../../server/emulator/speech/sphinxStt.js';
import type { SpeechToText } from '../../../server/emulator/speech/types.js';
import { disposePlayerSpeech, synthesizePlayerSpeech, withSilence } from '../../support/speechFixtures.js';

const grammar = buildGrammar(['where is the blacksmith']);

// Needs Debian's pocketsphinx + pocketsphinx-en-us (.ci/run installs them).
describe.skipIf(!isOpenVocabularyInstalled())('InputAudioBuffer with the open-vocabulary pass', () => {
  let sphinx: SphinxStt;
  let open: OpenVocabularyStt;
  let stt: SpeechToText;
  beforeAll(async () => {
    [sphinx, open] = await Promise.all([createSphinxStt(), createOpenVocabularyStt()]);
    stt = { start: (g) => sphinx.start(g), openVocabulary: open };
  });
  afterAll(async () => {
    sphinx?.dispose();
    await open?.close();
    await disposePlayerSpeech();
  });

  function setup() {
    const turns: CommittedTurn[] = [];
    const buffer = new InputAudioBuffer({ stt, grammar: () => grammar, hooks: { speechStarted: () => {}, speechStopped: () => {}, committed: (t) => turns.push(t) } });
    buffer.configure(null);
    return { buffer, turns };
  }
  const say = async (text: string): Promise<Int16Array> => withSilence(await synthesizePlayerSpeech(text, 'awb'), 300, 300);

  it('commits an in-grammar turn at once, with no second pass', async () => {
    const { buffer, turns } = setup();
    buffer.appendPcm(await say('where is the blacksmith'));
    expect(buffer.commit()).toBeNull();
    expect(buffer.pending).toBeNull();
    expect(turns.map((t) => t.heard)).toEqual(['where is the blacksmith']);
  });

  it('commits a turn the grammar rejected once the second pass has transcribed it', async () => {
    const { buffer, turns } = setup();
    buffer.appendPcm(await say('i lost my phone'));
    expect(buffer.commit()).toBeNull();
    const pending = buffer.pending;
    expect(pending).not.toBeNull();
    expect(turns).toEqual([]);
    // The buffer is already empty: audio appended now belongs to the next turn.
    expect(buffer.bufferedMs).toBe(0);
    await pending;
    expect(buffer.pending).toBeNull();
    expect(turns).toHaveLength(1);
    expect(turns[0]?.heard).toMatch(/\bphone\b/);
    expect(turns[0]?.detected).toBe(false);
  });

  it('never commits a turn still being transcribed when the session closes', async () => {
    const { buffer, turns } = setup();
    buffer.appendPcm(await say('i lost my phone'));
    buffer.commit();
    const pending = buffer.pending;
    buffer.close();
    await pending;
    expect(turns).toEqual([]);
  });
});
