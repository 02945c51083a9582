import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createOpenVocabularyStt,
  isOpenVocabularyInstalled,
  OpenVocabularyUnavailableError,
  parseHypothesisLine,
  type OpenVocabularyStt,
} from '../../../server/emulator/speech/openVocabularyStt.js';
import { disposePlayerSpeech, synthesizePlayerSpeech, withSilence } from '../../support/speechFixtures.js';

describe('parseHypothesisLine', () => {
  it('reads the words and the utterance id, without alternates or filler words', () => {
    expect(parseHypothesisLine('what is the weather like today (u3 -6806)')).toEqual({ id: 'u3', text: 'what is the weather like today' });
    expect(parseHypothesisLine('read(2) the <sil> [NOISE] book (u12 -100)')).toEqual({ id: 'u12', text: 'read the book' });
    expect(parseHypothesisLine(' (u4 -2500)')).toEqual({ id: 'u4', text: '' });
    expect(parseHypothesisLine('INFO: something else')).toBeNull();
  });

  it('isOpenVocabularyInstalled is false for a missing model or a missing executable', () => {
    expect(isOpenVocabularyInstalled('/nonexistent/pocketsphinx/en-us')).toBe(false);
    expect(isOpenVocabularyInstalled(undefined, 'pocketsphinx_batch_not_installed')).toBe(false);
  });
});

describe('createOpenVocabularyStt without its Debian packages', () => {
  it('refuses a missing model, naming the packages to install', async () => {
    const error = await createOpenVocabularyStt({ modelDir: '/nonexistent/pocketsphinx/en-us' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenVocabularyUnavailableError);
    expect((error as Error).message).toContain('/nonexistent/pocketsphinx/en-us');
    expect((error as Error).message).toContain('apt-get install pocketsphinx pocketsphinx-en-us');
  });

  it('refuses a missing decoder executable, naming the packages to install', async () => {
    const error = await createOpenVocabularyStt({ command: 'pocketsphinx_batch_not_installed' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenVocabularyUnavailableError);
    expect((error as Error).message).toMatch(/pocketsphinx_batch_not_installed was not found; install it with: apt-get install pocketsphinx pocketsphinx-en-us/);
  });
});

// Needs Debian's pocketsphinx + pocketsphinx-en-us (.ci/run installs them).
describe.skipIf(!isOpenVocabularyInstalled())('createOpenVocabularyStt (Debian pocketsphinx-en-us)', () => {
  let open: OpenVocabularyStt;
  beforeAll(async () => {
    open = await createOpenVocabularyStt();
  });
  afterAll(async () => {
    await open?.close();
    await disposePlayerSpeech();
  });

  it('transcribes general English that no persona grammar has', async () => {
    const text = await open.transcribe(withSilence(await synthesizePlayerSpeech('what is the weather like today', 'slt'), 300, 300));
    expect(text).toMatch(/\bweather\b/);
    expect(text).toMatch(/^what is the\b/);
  });

  it('answers simultaneous requests each with its own transcript', async () => {
    const [a, b] = await Promise.all([
      synthesizePlayerSpeech('is it going to rain tomorrow', 'awb'),
      synthesizePlayerSpeech('i lost my phone', 'awb'),
    ]);
    const [ta, tb] = await Promise.all([open.transcribe(withSilence(a, 300, 300)), open.transcribe(withSilence(b, 300, 300))]);
    expect(ta).toMatch(/\brain\b/);
    expect(tb).toMatch(/\bphone\b/);
  });

  it('hears nothing in silence, and nothing once closed', async () => {
    expect(await open.transcribe(new Int16Array(24_000))).toBeNull();
    const other = await createOpenVocabularyStt();
    await other.close();
    await other.close();
    expect(await other.transcribe(await synthesizePlayerSpeech('i lost my phone', 'awb'))).toBeNull();
  });
});
