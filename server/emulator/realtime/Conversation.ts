import { pcm16Bytes } from '../../../plugin/shared/pcm16.js';
import type { ClientContentPart, ClientItem } from '../../../plugin/shared/protocol/clientEvents.js';
import type { ServerContentPart, ServerEventBody, ServerItem, TranscriptionLogprob } from '../../../plugin/shared/protocol/serverEvents.js';
import type { PlaybackPosition } from './AudioOutput.js';
import { bytesToMs, msToBytes, type FormatKind } from './audioFormats.js';
import { readItemImages, type ImageInfo } from './images.js';
import { PROTOCOL_ERRORS, type RealtimeError } from './protocolErrors.js';
import { newId } from './SessionState.js';

/** Default cap on the audio one session's conversation keeps: 8 MiB, about 87 s of 24 kHz PCM16. */
export const DEFAULT_MAX_STORED_AUDIO_BYTES = 8 * 1024 * 1024;

/** One item of the conversation with what the server keeps beside it. */
export interface ConversationEntry {
  item: ServerItem;
  /** Whether a response produced it (brain input is what came after the last such item). */
  fromResponse: boolean;
  /** Assistant audio as sent (output format bytes), or user audio (PCM16 24 kHz bytes). */
  audio: Uint8Array[];
  audioFormat: FormatKind;
  /** User audio: what the recognizer heard (null = out of grammar), whether or not transcription is on. */
  heard?: string | null;
  /** Its audio bytes were dropped to keep the session under its stored-audio cap. */
  audioDropped?: boolean;
  /** Assistant audio: bytes produced, including any not kept because the item alone went over the cap. */
  producedBytes?: number;
  /** The images of its `input_image` parts, in order (a user message the player showed a picture with). */
  images?: ImageInfo[];
  /** A response already took its images as input: later ones read them from the prompt cache. */
  imagesCached?: boolean;
}

/** Options of {@link Conversation}. */
export interface ConversationOptions {
  /** Sends one server event (without its `event_id`). */
  emit: (body: ServerEventBody) => void;
  /** The entry a response is generating right now, which may not be deleted or lose its audio. */
  generating: () => ConversationEntry | null;
  /** Largest event the transport carries; a retrieved item over it is sent without its audio bytes. */
  maxEventBytes?: number;
  /** Most audio bytes kept (default {@link DEFAULT_MAX_STORED_AUDIO_BYTES}); over it old items keep transcripts only. */
  maxStoredAudioBytes?: number;
}

/** Length of an item's audio as produced (stored or not). */
function producedMs(entry: ConversationEntry): number {
  return bytesToMs(entry.producedBytes ?? entry.audio.reduce((n, c) => n + c.length, 0), entry.audioFormat);
}

const tokensOfText = (text: string): number => Math.ceil(text.length / 4);

/**
 * The log probability of one transcribed token: 0 (certain), since the grammar decoder either recognises a whole phrase
 * or rejects the utterance and reports no per-word confidence; `bytes` are the token's UTF-8 bytes, as the API gives.
 */
function tokenLogprob(token: string): TranscriptionLogprob {
  return { token, bytes: [...Buffer.from(token, 'utf8')], logprob: 0 };
}

/** Deep copy of an item for an event, so later mutation of the stored item cannot change what was "sent". */
const snapshot = (item: ServerItem): ServerItem => structuredClone(item);

function convertPart(part: ClientContentPart, audio: Uint8Array[]): ServerContentPart {
  switch (part.type) {
    case 'input_text':
      return { type: 'input_text', text: part.text };
    case 'input_audio': {
      if (typeof part.audio === 'string' && part.audio !== '') audio.push(Buffer.from(part.audio, 'base64'));
      return { type: 'input_audio', transcript: part.transcript ?? null };
    }
    case 'input_image':
      return { type: 'input_image', ...(part.image_url === undefined ? {} : { image_url: part.image_url }), ...(part.detail === undefined ? {} : { detail: part.detail }) };
    case 'output_text':
      return { type: 'output_text', text: part.text };
    case 'output_audio':
      return { type: 'output_audio', transcript: part.transcript ?? '' };
  }
}

/** A client item as the server reports it, with id `id`; its input audio bytes, if any, are pushed to `audio`. */
export function itemFromClient(id: string, item: ClientItem, audio: Uint8Array[]): ServerItem {
  switch (item.type) {
    case 'message':
      return { id, object: 'realtime.item', type: 'message', role: item.role, status: 'completed', content: item.content.map((part) => convertPart(part, audio)) };
    case 'function_call':
      return { id, object: 'realtime.item', type: 'function_call', status: 'completed', call_id: item.call_id, name: item.name, arguments: item.arguments };
    case 'function_call_output':
      return { id, object: 'realtime.item', type: 'function_call_output', call_id: item.call_id, output: item.output };
  }
}

/**
 * The conversation of one session: its items in order (`previous_item_id`, `'root'`), with the audio behind them, and
 * the client operations on them (create, retrieve, delete, truncate) with the service's events and errors.
 */
export class Conversation {
  /** The conversation's id (`conv_…`), reported in responses. */
  readonly id = newId('conv');
  private readonly options: ConversationOptions;
  private readonly list: ConversationEntry[] = [];

  constructor(options: ConversationOptions) {
    this.options = options;
  }

  /** The entries, oldest first. */
  get entries(): readonly ConversationEntry[] {
    return this.list;
  }

  private get storedAudioCap(): number {
    return this.options.maxStoredAudioBytes ?? DEFAULT_MAX_STORED_AUDIO_BYTES;
  }

  /** The entry of an item, if the conversation has it. */
  find(itemId: string): ConversationEntry | undefined {
    return this.list.find((e) => e.item.id === itemId);
  }

  /** Id of the item before `entry`, or null when it is first. */
  previousId(entry: ConversationEntry): string | null {
    const i = this.list.indexOf(entry);
    return i > 0 ? (this.list[i - 1]?.item.id ?? null) : null;
  }

  /** Inserts an entry after `previousItemId` ('root' = first, undefined/null = last); false if the anchor is unknown. */
  private insert(entry: ConversationEntry, previousItemId: string | null | undefined): boolean {
    if (previousItemId === undefined || previousItemId === null) {
      this.list.push(entry);
      return true;
    }
    if (previousItemId === 'root') {
      this.list.unshift(entry);
      return true;
    }
    const i = this.list.findIndex((e) => e.item.id === previousItemId);
    if (i < 0) return false;
    this.list.splice(i + 1, 0, entry);
    return true;
  }

  private announce(entry: ConversationEntry): void {
    const previous = this.previousId(entry);
    this.options.emit({ type: 'conversation.item.added', previous_item_id: previous, item: this.echo(entry) });
    this.options.emit({ type: 'conversation.item.done', previous_item_id: previous, item: this.echo(entry) });
  }

  /**
   * An item as its `conversation.item.added/done` report it: with its images' data URLs, unless they would not fit in
   * one event of the transport (a WebRTC data channel carries 256 KiB), when the parts keep only their `detail`.
   */
  private echo(entry: ConversationEntry): ServerItem {
    const item = snapshot(entry.item);
    const max = this.options.maxEventBytes;
    if (!entry.images || max === undefined || item.type !== 'message') return item;
    const urlBytes = item.content.reduce((n, part) => n + (part.type === 'input_image' ? (part.image_url?.length ?? 0) : 0), 0);
    if (urlBytes + 16 * 1024 <= max) return item;
    item.content = item.content.map((part) => (part.type === 'input_image' ? { type: 'input_image', ...(part.detail ? { detail: part.detail } : {}) } : part));
    return item;
  }

  /** `conversation.item.create`: adds a client item after `previousItemId` and announces it. */
  create(item: ClientItem, previousItemId: string | null | undefined): RealtimeError | null {
    const id = item.id ?? newId('item');
    if (this.find(id)) return PROTOCOL_ERRORS.itemExists(id);
    if (previousItemId && previousItemId !== 'root' && !this.find(previousItemId)) return PROTOCOL_ERRORS.previousItemMissing(previousItemId);
    const images = readItemImages(item, 'item');
    if (!images.ok) return images.error;
    const audio: Uint8Array[] = [];
    const entry: ConversationEntry = { item: itemFromClient(id, item, audio), fromResponse: false, audio, audioFormat: 'pcm' };
    if (images.images.length > 0) entry.images = images.images;
    this.insert(entry, previousItemId);
    this.capStoredAudio();
    this.announce(entry);
    return null;
  }

  /**
   * Adds a committed turn of user audio (PCM16 24 kHz) at the end; `committed` runs between insertion and the item
   * events, with the item's `previous_item_id`, for `input_audio_buffer.committed`.
   */
  addUserAudio(itemId: string, pcm: Int16Array, heard: string | null, committed: (previousItemId: string | null) => void): ConversationEntry {
    const entry: ConversationEntry = {
      item: { id: itemId, object: 'realtime.item', type: 'message', role: 'user', status: 'completed', content: [{ type: 'input_audio', transcript: null }] },
      fromResponse: false,
      audio: [pcm16Bytes(pcm)],
      audioFormat: 'pcm',
      heard,
    };
    this.list.push(entry);
    this.capStoredAudio();
    committed(this.previousId(entry));
    this.announce(entry);
    return entry;
  }

  /**
   * Reports the transcription of a user audio item (`heard` null: the audio was unintelligible), word by word;
   * `logprobs` adds the `logprobs` of each delta and of the whole transcript (`include` asked for them).
   */
  transcribe(entry: ConversationEntry, heard: string | null, seconds: number, options: { logprobs?: boolean } = {}): void {
    const itemId = entry.item.id;
    const emit = this.options.emit;
    if (heard === null) {
      emit({
        type: 'conversation.item.input_audio_transcription.failed',
        item_id: itemId,
        content_index: 0,
        error: { type: 'transcription_error', code: 'audio_unintelligible', message: 'Audio could not be transcribed.', param: null },
      });
      return;
    }
    const words = heard.split(' ').filter((w) => w !== '');
    const deltas = words.map((word, i) => (i === 0 ? word : ` ${word}`));
    for (const delta of deltas) {
      emit({
        type: 'conversation.item.input_audio_transcription.delta',
        item_id: itemId,
        content_index: 0,
        delta,
        ...(options.logprobs ? { logprobs: [tokenLogprob(delta)] } : {}),
      });
    }
    if (entry.item.type === 'message') entry.item.content[0] = { type: 'input_audio', transcript: heard };
    emit({
      type: 'conversation.item.input_audio_transcription.completed',
      item_id: itemId,
      content_index: 0,
      transcript: heard,
      usage: { type: 'duration', seconds: Math.round(seconds * 100) / 100 },
      ...(options.logprobs ? { logprobs: deltas.map(tokenLogprob) } : {}),
    });
  }

  /** Appends an item a response produces (`format`: the encoding of the audio it will get). */
  addOutput(item: ServerItem, format: FormatKind): ConversationEntry {
    const entry: ConversationEntry = { item, fromResponse: true, audio: [], audioFormat: format };
    this.list.push(entry);
    return entry;
  }

  /** The entries after the last one a response produced, newest first (what the player said since). */
  *sinceLastResponse(): Generator<ConversationEntry> {
    for (let i = this.list.length - 1; i >= 0; i--) {
      const entry = this.list[i] as ConversationEntry;
      if (entry.fromResponse) return;
      yield entry;
    }
  }

  /** `conversation.item.retrieve`: sends the item back with its audio, when that fits in one event. */
  retrieve(itemId: string): RealtimeError | null {
    const entry = this.find(itemId);
    if (!entry) return PROTOCOL_ERRORS.itemNotFound(itemId);
    const item = this.echo(entry);
    if (item.type === 'message' && entry.audio.length > 0) {
      const bytes = entry.audio.reduce((n, chunk) => n + chunk.length, 0);
      // base64 is 4/3 of the bytes; the rest of the event is small. The SDK asks for every transcribed item back, so
      // over WebRTC a long turn would otherwise never arrive, and with it the transcript in the SDK's history.
      const max = this.options.maxEventBytes;
      if (max === undefined || (bytes * 4) / 3 + 64 * 1024 <= max) {
        const audio = Buffer.concat(entry.audio).toString('base64');
        item.content = item.content.map((part) => (part.type === 'input_audio' || part.type === 'output_audio' ? { ...part, audio } : part));
      }
    }
    this.options.emit({ type: 'conversation.item.retrieved', item });
    return null;
  }

  /** `conversation.item.delete`. */
  delete(itemId: string): RealtimeError | null {
    const i = this.list.findIndex((e) => e.item.id === itemId);
    if (i < 0) return PROTOCOL_ERRORS.itemNotFound(itemId);
    if (this.options.generating() === this.list[i]) return PROTOCOL_ERRORS.itemBeingGenerated(itemId);
    this.list.splice(i, 1);
    this.options.emit({ type: 'conversation.item.deleted', item_id: itemId });
    return null;
  }

  /**
   * `conversation.item.truncate`: keeps the first `audioEndMs` of an assistant item's audio and drops its transcript.
   * `stopGenerating` runs first when the item is still being generated (the service ends that response).
   */
  truncate(itemId: string, contentIndex: number, audioEndMs: number, stopGenerating: () => void): RealtimeError | null {
    const entry = this.find(itemId);
    if (!entry) return PROTOCOL_ERRORS.itemNotFound(itemId);
    const item = entry.item;
    if (item.type !== 'message' || item.role !== 'assistant') return PROTOCOL_ERRORS.truncateNotAssistant();
    const part = item.content[contentIndex];
    if (!part || part.type !== 'output_audio') return PROTOCOL_ERRORS.truncateNoAudio(itemId, contentIndex);
    if (entry.audioDropped) return PROTOCOL_ERRORS.truncateAudioDropped(itemId, this.storedAudioCap);
    if (this.options.generating() === entry) stopGenerating();
    const totalMs = producedMs(entry);
    if (audioEndMs > totalMs) return PROTOCOL_ERRORS.truncateTooLong(totalMs, audioEndMs);
    this.cut(entry, contentIndex, audioEndMs);
    return null;
  }

  /** Truncates the item that was playing when the output was cut off at the position actually played. */
  truncateAtPlayback(played: PlaybackPosition): void {
    const entry = this.find(played.itemId);
    const part = entry?.item.type === 'message' ? entry.item.content[0] : undefined;
    if (!entry || part?.type !== 'output_audio') return;
    this.cut(entry, 0, Math.max(0, Math.min(Math.floor(played.playedMs), Math.floor(producedMs(entry)))));
  }

  private cut(entry: ConversationEntry, contentIndex: number, audioEndMs: number): void {
    const item = entry.item;
    if (item.type !== 'message') return;
    const keepBytes = msToBytes(audioEndMs, entry.audioFormat);
    // A copy, so the dropped rest of the audio is freed.
    entry.audio = [new Uint8Array(Buffer.concat(entry.audio).subarray(0, keepBytes))];
    if (entry.producedBytes !== undefined) entry.producedBytes = Math.min(entry.producedBytes, keepBytes);
    // The service drops the transcript of truncated audio (the SDK keeps the text it already had).
    item.content[contentIndex] = { type: 'output_audio', transcript: '' };
    this.options.emit({ type: 'conversation.item.truncated', item_id: item.id, content_index: contentIndex, audio_end_ms: audioEndMs });
  }

  /**
   * Keeps the conversation's audio under `maxStoredAudioBytes`: drops the audio bytes of the oldest items (their
   * transcripts stay, as the SDK's history needs), never those of the newest item, which may still be truncated.
   */
  capStoredAudio(): void {
    const cap = this.storedAudioCap;
    let total = 0;
    for (const entry of this.list) for (const chunk of entry.audio) total += chunk.length;
    const newest = this.list[this.list.length - 1];
    const generating = this.options.generating();
    for (const entry of this.list) {
      if (total <= cap) break;
      if (entry === newest || entry === generating || entry.audio.length === 0) continue;
      for (const chunk of entry.audio) total -= chunk.length;
      entry.audio = [];
      entry.audioDropped = true;
    }
  }

  /** Records a chunk of audio produced for a response's item; one very long line keeps only its first bytes up to the cap. */
  storeProducedAudio(entry: ConversationEntry, chunk: Uint8Array): void {
    entry.producedBytes = (entry.producedBytes ?? 0) + chunk.length;
    if (entry.producedBytes <= this.storedAudioCap) entry.audio.push(chunk);
  }

  /**
   * Input image tokens of a response over `items` (default: the whole conversation), and how many of them were cached:
   * an image a previous response already took as input is read from the prompt cache, as the service's prefix cache
   * does. Marks the images as cached for the next response.
   */
  imageTokens(items: readonly Pick<ConversationEntry, 'images' | 'imagesCached'>[] = this.list): { tokens: number; cached: number } {
    let tokens = 0;
    let cached = 0;
    for (const entry of items) {
      const sum = (entry.images ?? []).reduce((n, image) => n + image.tokens, 0);
      tokens += sum;
      if (entry.imagesCached) cached += sum;
      else if (sum > 0) entry.imagesCached = true;
    }
    return { tokens, cached };
  }

  /** Estimated input tokens of a response: the instructions and every item's text (`items`: its own input instead). */
  inputTokens(instructions: string, items: readonly Pick<ConversationEntry, 'item'>[] = this.list): number {
    let tokens = tokensOfText(instructions);
    for (const { item } of items) {
      if (item.type === 'message') {
        for (const part of item.content) {
          if (part.type === 'input_text' || part.type === 'output_text') tokens += tokensOfText(part.text);
          else if (part.type === 'output_audio' || part.type === 'input_audio') tokens += tokensOfText(part.transcript ?? '');
        }
      } else if (item.type === 'function_call') tokens += tokensOfText(item.arguments);
      else tokens += tokensOfText(item.output);
    }
    return tokens;
  }
}
