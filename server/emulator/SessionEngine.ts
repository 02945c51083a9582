import { randomBytes } from 'node:crypto';
import { setImmediate as yieldToLoop, setTimeout as sleep } from 'node:timers/promises';
import type { Persona } from '../../plugin/shared/personaSchema.js';
import { concatPcm16, decodeALaw, decodeMuLaw, encodeALaw, encodeMuLaw, floatToPcm16, pcm16Bytes, pcm16FromBytes, pcm16ToFloat } from '../../plugin/shared/pcm16.js';
import {
  parseClientEvent,
  type ClientContentPart,
  type ClientEvent,
  type ClientItem,
  type ResponseParams,
} from '../../plugin/shared/protocol/clientEvents.js';
import type {
  ServerContentPart,
  ServerErrorDetail,
  ServerEvent,
  ServerEventBody,
  ServerItem,
  ServerResponse,
  ServerUsage,
} from '../../plugin/shared/protocol/serverEvents.js';
import { Resampler, resample } from '../../plugin/shared/resample.js';
import { SERVER_VAD_DEFAULTS } from '../../plugin/shared/serverVadDefaults.js';
import type { PersonaMap } from '../personas/loadPersonas.js';
import { DEFAULT_PERSONA, PersonaBrain, resolvePersona, type BrainDecision, type BrainInput } from './brain/PersonaBrain.js';
import { defaultSession, mergeSession, newId, type WireSession } from './sessionDefaults.js';
import { ServerVad, semanticEagernessToSilenceMs, type SemanticEagerness } from './speech/energyVad.js';
import { buildGrammar } from './speech/grammar.js';
import { DEFAULT_MAX_UTTERANCE_CHARS, splitUtterances } from './speech/sentences.js';
import { SAMPLE_RATE_HZ, type Grammar, type RecognitionStream, type SpeechToText, type TextToSpeech } from './speech/types.js';

/** Options of {@link SessionEngine}. */
export interface SessionEngineOptions {
  /** Delivers one server event to the client (JSON-encode it for WebSocket / data channel). */
  send: (event: ServerEvent) => void;
  tts: TextToSpeech;
  stt: SpeechToText;
  /** Current personas (read at every response so hot-reloaded personas apply). */
  personas: () => PersonaMap;
  /** Session config to start from (e.g. the one an `ek_` key was minted with). */
  initialSession?: Record<string, unknown>;
  /** Persona bound to the session's key. */
  personaId?: string;
  /** The session's model; fixed for its lifetime. */
  model: string;
  /** WebRTC sessions get no `response.output_audio.delta`; audio goes to `onOutputAudio` instead. */
  transport: 'websocket' | 'webrtc';
  /** WebRTC: receives the assistant's PCM16 24 kHz audio as it is produced (ignored when `audioOutput` is set). */
  onOutputAudio?: (pcm: Int16Array, responseId: string) => void;
  /**
   * WebRTC: the outgoing media track, played in real time by the transport. With it the engine leaves
   * `output_audio_buffer.started/stopped` to the transport ({@link SessionEngine.outputAudioStarted}) and truncates
   * at the position actually played when the output is cleared or the player barges in.
   */
  audioOutput?: OutputAudioPlayer;
  /** Audio sent at once at the start of a response before pacing starts (default 300 ms). */
  burstMs?: number;
  /** How much faster than real time audio is streamed after the burst (default 4). */
  speedFactor?: number;
  /**
   * Largest event the transport can carry (WebRTC: the data channel's message size). A retrieved item whose audio
   * would make it larger is sent without the audio bytes, with its transcript; anything else over it is dropped.
   */
  maxEventBytes?: number;
  /** Longest `session.instructions` accepted (default {@link DEFAULT_MAX_INSTRUCTIONS_CHARS}); longer gets an `error`. */
  maxInstructionsChars?: number;
  /** Longest text synthesized in one TTS call (default 300 characters); longer sentences are split. */
  maxUtteranceChars?: number;
  /**
   * Most audio bytes the conversation keeps (default {@link DEFAULT_MAX_STORED_AUDIO_BYTES}); over it the oldest
   * items lose their audio bytes and keep their transcripts.
   */
  maxStoredAudioBytes?: number;
  /** Diagnostic lines (never the console). */
  log?: (line: string) => void;
}

/** Where the assistant's audio was when the output buffer was cleared. */
export interface PlaybackPosition {
  responseId: string;
  itemId: string;
  /** Audio of the item actually sent to the client before the clear. */
  playedMs: number;
}

/** A real-time audio output (WebRTC's outgoing track) that the engine feeds and can cut off. */
export interface OutputAudioPlayer {
  /** Queues PCM16 24 kHz audio of a response's item, to be played after what is already queued. */
  write(pcm: Int16Array, responseId: string, itemId: string): void;
  /** The response will write no more audio (it finished or was cancelled); what is queued still plays. */
  end(responseId: string): void;
  /** Drops all queued audio; returns what was being played, or null when nothing was. */
  clear(): PlaybackPosition | null;
}

/** A TTS that can synthesize lines ahead of time at low priority (implemented by CachingTts). */
export interface Prefetcher {
  prefetch(text: string, voice: Persona['localVoice']): void;
}

type FormatKind = 'pcm' | 'pcmu' | 'pcma';

interface Entry {
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
}

interface ContentProgress {
  entry: Entry;
  outputIndex: number;
  kind: 'audio' | 'text';
  words: string[];
  transcript: string;
  audioMs: number;
}

interface ResponseRun {
  id: string;
  response: ServerResponse;
  conversation: boolean;
  kind: 'audio' | 'text';
  format: FormatKind;
  persona: Persona;
  current: ContentProgress | null;
  outputTextTokens: number;
  outputAudioMs: number;
  inputTokens: number;
  finished: boolean;
}

interface SpeechTurn {
  itemId: string;
  startSample: number;
  recognition: RecognitionStream;
}

/** Default cap on `session.instructions` (characters). */
export const DEFAULT_MAX_INSTRUCTIONS_CHARS = 32_768;
/** Default cap on the audio one session's conversation keeps: 8 MiB, about 87 s of 24 kHz PCM16. */
export const DEFAULT_MAX_STORED_AUDIO_BYTES = 8 * 1024 * 1024;

const CHUNK_MS = 50;
const MIN_COMMIT_MS = 100;
const MAX_APPEND_BASE64 = 15 * 1024 * 1024;
/** Most input audio kept while waiting for a manual commit (10 minutes), so a forgotten buffer cannot eat memory. */
const MAX_BUFFER_SAMPLES = SAMPLE_RATE_HZ * 600;
const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const obj = (value: unknown): Record<string, unknown> => (isObject(value) ? value : {});

function formatKind(format: unknown): FormatKind {
  const type = obj(format).type;
  return type === 'audio/pcmu' ? 'pcmu' : type === 'audio/pcma' ? 'pcma' : 'pcm';
}

function bytesToMs(bytes: number, kind: FormatKind): number {
  return kind === 'pcm' ? bytes / 48 : bytes / 8;
}

function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/** Length of an item's audio as produced (stored or not). */
function producedMs(entry: Entry): number {
  return bytesToMs(entry.producedBytes ?? entry.audio.reduce((n, c) => n + c.length, 0), entry.audioFormat);
}

const tokensOfText = (text: string): number => Math.ceil(text.length / 4);

/** Deep copy of an item for an event, so later mutation of the stored item cannot change what was "sent". */
const snapshot = (item: ServerItem): ServerItem => structuredClone(item);

/**
 * One emulated Realtime session, independent of the transport: feed it client JSON with {@link SessionEngine.receive}
 * (and raw PCM with {@link SessionEngine.appendAudio} for WebRTC) and it emits GA server events through `send`.
 * Conversation, responses, VAD, transcription, truncation and errors follow realtime-protocol.md §3.
 *
 * @example
 * const engine = new SessionEngine({ send: (e) => ws.send(JSON.stringify(e)), tts, stt, personas, model, transport: 'websocket' });
 * engine.start();
 * ws.on('message', (data) => engine.receive(String(data)));
 */
export class SessionEngine {
  private readonly options: SessionEngineOptions;
  private session: WireSession;
  private readonly conversationId = newId('conv');
  private readonly entries: Entry[] = [];
  private active: ResponseRun | null = null;
  private closed = false;
  private started = false;
  private audioProduced = false;
  private updated = false;
  private readonly eventPrefix = `event_${randomBytes(6).toString('hex')}`;
  private eventCounter = 0;
  /** Tool calls the brain made, by call id, so the tool's output is spoken with the intent's template. */
  private readonly pendingCalls = new Map<string, NonNullable<BrainDecision['toolCall']>>();
  private brain: { persona: Persona; brain: PersonaBrain; grammar: Grammar } | null = null;

  // Input audio: PCM16 24 kHz chunks; `bufferStart` is the absolute sample index (session input clock) of the first.
  private buffer: Int16Array[] = [];
  private bufferSamples = 0;
  private bufferStart = 0;
  private inputSamples = 0;
  private vad: { detector: ServerVad; offsetSamples: number; key: string } | null = null;
  private speech: SpeechTurn | null = null;
  private inputResampler: Resampler | null = null;

  constructor(options: SessionEngineOptions) {
    this.options = options;
    const base = defaultSession(options.model);
    base.expires_at = Math.floor(Date.now() / 1000) + 3600;
    this.session = options.initialSession ? mergeSession(base, options.initialSession) : base;
    this.session.model = options.model;
  }

  /** The current effective session config (GA shape). */
  get config(): Readonly<WireSession> {
    return this.session;
  }

  /** Whether a response is being generated (its audio may be waiting for synthesis, with nothing sent meanwhile). */
  get responding(): boolean {
    return this.active !== null;
  }

  /** Sends `session.created`; call once when the transport is open. */
  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    this.emit({ type: 'session.created', session: this.sessionSnapshot() });
    this.configureVad();
    this.warmUp();
  }

  /** Handles one client message (a JSON text frame); never throws. */
  receive(text: string): void {
    if (this.closed) return;
    try {
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (error) {
        this.error('invalid_json', `The server could not parse the JSON of the event: ${(error as Error).message}`, null, null);
        return;
      }
      const parsed = parseClientEvent(json);
      if (!parsed.ok) {
        this.error(parsed.code, parsed.message, parsed.param, parsed.eventId);
        return;
      }
      this.dispatch(parsed.event);
    } catch (error) {
      this.internalError(error, null);
    }
  }

  /** Appends PCM16 24 kHz input audio directly (WebRTC's incoming track); never throws. */
  appendAudio(pcm: Int16Array): void {
    if (this.closed) return;
    try {
      this.appendPcm(pcm);
    } catch (error) {
      this.internalError(error, null);
    }
  }

  /** WebRTC transport: the first frame of a response's audio went out on the media track. */
  outputAudioStarted(responseId: string): void {
    if (this.options.transport === 'webrtc') this.emit({ type: 'output_audio_buffer.started', response_id: responseId });
  }

  /** WebRTC transport: the last frame of a response's audio went out on the media track. */
  outputAudioStopped(responseId: string): void {
    if (this.options.transport === 'webrtc') this.emit({ type: 'output_audio_buffer.stopped', response_id: responseId });
  }

  /** Stops all work; later calls do nothing and nothing more is sent. Safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.active) this.active.finished = true;
    this.active = null;
    this.abortSpeech();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Dispatch

  private dispatch(event: ClientEvent): void {
    const eventId = event.event_id ?? null;
    switch (event.type) {
      case 'session.update':
        return this.onSessionUpdate(event.session, eventId);
      case 'input_audio_buffer.append':
        return this.onAppend(event.audio, eventId);
      case 'input_audio_buffer.commit':
        return this.onCommit(eventId);
      case 'input_audio_buffer.clear':
        this.clearBuffer();
        this.emit({ type: 'input_audio_buffer.cleared' });
        return;
      case 'conversation.item.create':
        return this.onItemCreate(event.item, event.previous_item_id, eventId);
      case 'conversation.item.retrieve':
        return this.onRetrieve(event.item_id, eventId);
      case 'conversation.item.truncate':
        return this.onTruncate(event.item_id, event.content_index, event.audio_end_ms, eventId);
      case 'conversation.item.delete':
        return this.onDelete(event.item_id, eventId);
      case 'response.create':
        this.startResponse(event.response, eventId);
        return;
      case 'response.cancel':
        return this.onCancel(event.response_id, eventId);
      case 'output_audio_buffer.clear':
        return this.onOutputClear(eventId);
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Events

  private emit(body: ServerEventBody): void {
    if (this.closed) return;
    const event = { ...body, event_id: `${this.eventPrefix}${(this.eventCounter++).toString(36)}` } as ServerEvent;
    try {
      this.options.send(event);
    } catch (error) {
      this.options.log?.(`emulator: send failed: ${(error as Error).message}`);
    }
  }

  private error(code: string, message: string, param: string | null, eventId: string | null, type: ServerErrorDetail['type'] = 'invalid_request_error'): void {
    this.emit({ type: 'error', error: { type, code, message, param, event_id: eventId } });
  }

  private internalError(error: unknown, eventId: string | null): void {
    this.options.log?.(`emulator: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    this.error('server_error', 'The server had an error while processing your request.', null, eventId, 'server_error');
  }

  private sessionSnapshot(): Record<string, unknown> {
    return structuredClone(this.session);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Session

  private onSessionUpdate(patch: Record<string, unknown>, eventId: string | null): void {
    if (patch.type !== 'realtime') {
      this.error('invalid_value', "Invalid value: 'transcription'. This session is a 'realtime' session and its type cannot be changed.", 'session.type', eventId);
      return;
    }
    const maxInstructions = this.options.maxInstructionsChars ?? DEFAULT_MAX_INSTRUCTIONS_CHARS;
    if (typeof patch.instructions === 'string' && patch.instructions.length > maxInstructions) {
      this.error(
        'string_above_max_length',
        `Invalid 'session.instructions': string too long. Expected a string with maximum length ${maxInstructions}, but got a string with length ${patch.instructions.length} instead. The session was not updated.`,
        'session.instructions',
        eventId,
      );
      return;
    }
    const currentVoice = obj(obj(this.session.audio).output).voice;
    const nextVoice = obj(obj(patch.audio).output).voice ?? patch.voice;
    if (this.audioProduced && typeof nextVoice === 'string' && nextVoice !== currentVoice) {
      this.error('cannot_update_voice', 'Cannot update a conversation\'s voice if assistant audio is present.', 'session.audio.output.voice', eventId);
      return;
    }
    const next = mergeSession(this.session, patch);
    next.model = this.options.model;
    this.session = next;
    this.updated = true;
    this.configureVad();
    this.warmUp();
    this.emit({ type: 'session.updated', session: this.sessionSnapshot() });
  }

  private turnDetection(): Record<string, unknown> | null {
    const td = obj(obj(this.session.audio).input).turn_detection;
    return isObject(td) ? td : null;
  }

  private configureVad(): void {
    const td = this.turnDetection();
    if (!td) {
      this.vad = null;
      return;
    }
    const silenceMs =
      td.type === 'semantic_vad'
        ? semanticEagernessToSilenceMs((typeof td.eagerness === 'string' ? td.eagerness : 'auto') as SemanticEagerness)
        : typeof td.silence_duration_ms === 'number'
          ? td.silence_duration_ms
          : SERVER_VAD_DEFAULTS.silenceDurationMs;
    const threshold = td.type === 'server_vad' && typeof td.threshold === 'number' ? td.threshold : SERVER_VAD_DEFAULTS.threshold;
    const prefixMs =
      td.type === 'server_vad' && typeof td.prefix_padding_ms === 'number' ? td.prefix_padding_ms : SERVER_VAD_DEFAULTS.prefixPaddingMs;
    const key = `${threshold}|${prefixMs}|${silenceMs}`;
    // The SDK re-sends the same config on every update; keep the detector (and its noise floor) when nothing changed.
    if (this.vad?.key === key) return;
    this.vad = {
      detector: new ServerVad({ threshold, prefixPaddingMs: prefixMs, silenceDurationMs: silenceMs }),
      offsetSamples: this.inputSamples,
      key,
    };
  }

  private currentBrain(): { persona: Persona; brain: PersonaBrain; grammar: Grammar } {
    const instructions = typeof this.session.instructions === 'string' ? this.session.instructions : '';
    const persona = resolvePersona(this.options.personas(), this.options.personaId, instructions);
    if (this.brain?.persona !== persona) {
      const brain = new PersonaBrain(persona);
      this.brain = { persona, brain, grammar: buildGrammar(brain.grammarPhrases()) };
    }
    return this.brain;
  }

  /**
   * Queues the first sentence of every line the persona can say with a TTS that can prefetch (see CachingTts), so
   * first audio rarely waits for synthesis. Skipped for the default persona before the client's first update: the
   * SDK sends its instructions right after `session.created`.
   */
  private warmUp(): void {
    const tts = this.options.tts as TextToSpeech & Partial<Prefetcher>;
    if (typeof tts.prefetch !== 'function') return;
    try {
      const { persona, brain } = this.currentBrain();
      if (persona === DEFAULT_PERSONA && !this.updated) return;
      for (const line of brain.warmLines()) {
        const first = this.utterances(line)[0];
        if (first) tts.prefetch(first, persona.localVoice);
      }
    } catch (error) {
      this.options.log?.(`emulator: warm-up failed: ${(error as Error).message}`);
    }
  }

  /** The pieces a line is synthesized in: sentences, with long ones split so no single TTS call runs long. */
  private utterances(text: string): string[] {
    return splitUtterances(text, this.options.maxUtteranceChars ?? DEFAULT_MAX_UTTERANCE_CHARS);
  }

  /**
   * Keeps the conversation's audio under `maxStoredAudioBytes`: drops the audio bytes of the oldest items (their
   * transcripts stay, as the SDK's history needs), never those of the newest item, which may still be truncated.
   */
  private capStoredAudio(): void {
    const cap = this.options.maxStoredAudioBytes ?? DEFAULT_MAX_STORED_AUDIO_BYTES;
    let total = 0;
    for (const entry of this.entries) for (const chunk of entry.audio) total += chunk.length;
    const newest = this.entries[this.entries.length - 1];
    for (const entry of this.entries) {
      if (total <= cap) break;
      if (entry === newest || entry === this.active?.current?.entry || entry.audio.length === 0) continue;
      for (const chunk of entry.audio) total -= chunk.length;
      entry.audio = [];
      entry.audioDropped = true;
    }
  }

  private toolNames(): Set<string> {
    const tools = Array.isArray(this.session.tools) ? this.session.tools : [];
    const names = new Set<string>();
    for (const tool of tools) {
      const t = obj(tool);
      if (t.type === 'function' && typeof t.name === 'string') names.add(t.name);
    }
    return names;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Conversation

  private indexOf(itemId: string): number {
    return this.entries.findIndex((e) => e.item.id === itemId);
  }

  private previousId(entry: Entry): string | null {
    const i = this.entries.indexOf(entry);
    return i > 0 ? (this.entries[i - 1]?.item.id ?? null) : null;
  }

  /** Inserts an entry after `previousItemId` ('root' = first, undefined/null = last); false if the anchor is unknown. */
  private insert(entry: Entry, previousItemId: string | null | undefined): boolean {
    if (previousItemId === undefined || previousItemId === null) {
      this.entries.push(entry);
      return true;
    }
    if (previousItemId === 'root') {
      this.entries.unshift(entry);
      return true;
    }
    const i = this.indexOf(previousItemId);
    if (i < 0) return false;
    this.entries.splice(i + 1, 0, entry);
    return true;
  }

  private convertPart(part: ClientContentPart, entry: Entry): ServerContentPart {
    switch (part.type) {
      case 'input_text':
        return { type: 'input_text', text: part.text };
      case 'input_audio': {
        if (typeof part.audio === 'string' && part.audio !== '') entry.audio.push(Buffer.from(part.audio, 'base64'));
        return { type: 'input_audio', transcript: part.transcript ?? null };
      }
      case 'input_image':
        return { type: 'input_image', ...(part.image_url === undefined ? {} : { image_url: part.image_url }) };
      case 'output_text':
        return { type: 'output_text', text: part.text };
      case 'output_audio':
        return { type: 'output_audio', transcript: part.transcript ?? '' };
    }
  }

  private onItemCreate(item: ClientItem, previousItemId: string | null | undefined, eventId: string | null): void {
    const id = item.id ?? newId('item');
    if (this.indexOf(id) >= 0) {
      this.error('invalid_value', `Item with id '${id}' already exists.`, 'item.id', eventId);
      return;
    }
    if (previousItemId && previousItemId !== 'root' && this.indexOf(previousItemId) < 0) {
      this.error('invalid_value', `Error adding item: the previous item with id '${previousItemId}' does not exist.`, 'previous_item_id', eventId);
      return;
    }
    const entry: Entry = { item: { id, object: 'realtime.item', type: 'function_call_output', call_id: '', output: '' }, fromResponse: false, audio: [], audioFormat: 'pcm' };
    switch (item.type) {
      case 'message':
        entry.item = {
          id,
          object: 'realtime.item',
          type: 'message',
          role: item.role,
          status: 'completed',
          content: item.content.map((part) => this.convertPart(part, entry)),
        };
        break;
      case 'function_call':
        entry.item = { id, object: 'realtime.item', type: 'function_call', status: 'completed', call_id: item.call_id, name: item.name, arguments: item.arguments };
        break;
      case 'function_call_output':
        entry.item = { id, object: 'realtime.item', type: 'function_call_output', call_id: item.call_id, output: item.output };
        break;
    }
    this.insert(entry, previousItemId);
    this.capStoredAudio();
    const previous = this.previousId(entry);
    this.emit({ type: 'conversation.item.added', previous_item_id: previous, item: snapshot(entry.item) });
    this.emit({ type: 'conversation.item.done', previous_item_id: previous, item: snapshot(entry.item) });
  }

  private onRetrieve(itemId: string, eventId: string | null): void {
    const entry = this.entries[this.indexOf(itemId)];
    if (!entry) {
      this.error('item_not_found', `Item with item_id '${itemId}' not found.`, 'item_id', eventId);
      return;
    }
    const item = snapshot(entry.item);
    if (item.type === 'message' && entry.audio.length > 0) {
      const bytes = entry.audio.reduce((n, chunk) => n + chunk.length, 0);
      // base64 is 4/3 of the bytes; the rest of the event is small. The SDK asks for every transcribed item back, so
      // over WebRTC a long turn would otherwise never arrive, and with it the transcript in the SDK's history.
      const fits = this.options.maxEventBytes === undefined || (bytes * 4) / 3 + 64 * 1024 <= this.options.maxEventBytes;
      if (fits) {
        const audio = Buffer.from(concatBytes(entry.audio)).toString('base64');
        item.content = item.content.map((part) =>
          part.type === 'input_audio' || part.type === 'output_audio' ? { ...part, audio } : part,
        );
      }
    }
    this.emit({ type: 'conversation.item.retrieved', item });
  }

  private onDelete(itemId: string, eventId: string | null): void {
    const i = this.indexOf(itemId);
    if (i < 0) {
      this.error('item_not_found', `Item with item_id '${itemId}' not found.`, 'item_id', eventId);
      return;
    }
    if (this.active?.current?.entry === this.entries[i]) {
      this.error('invalid_value', `Item '${itemId}' is being generated by the active response and cannot be deleted.`, 'item_id', eventId);
      return;
    }
    this.entries.splice(i, 1);
    this.emit({ type: 'conversation.item.deleted', item_id: itemId });
  }

  private onTruncate(itemId: string, contentIndex: number, audioEndMs: number, eventId: string | null): void {
    const entry = this.entries[this.indexOf(itemId)];
    if (!entry) {
      this.error('item_not_found', `Item with item_id '${itemId}' not found.`, 'item_id', eventId);
      return;
    }
    const item = entry.item;
    if (item.type !== 'message' || item.role !== 'assistant') {
      this.error('invalid_value', 'Only assistant messages can be truncated.', 'item_id', eventId);
      return;
    }
    const part = item.content[contentIndex];
    if (!part || part.type !== 'output_audio') {
      this.error('invalid_value', `Item '${itemId}' has no audio content at index ${contentIndex}.`, 'content_index', eventId);
      return;
    }
    if (entry.audioDropped) {
      const cap = this.options.maxStoredAudioBytes ?? DEFAULT_MAX_STORED_AUDIO_BYTES;
      this.error(
        'invalid_value',
        `The audio of item '${itemId}' is no longer stored: a session keeps at most ${cap} bytes of audio, and older items keep only their transcripts.`,
        'item_id',
        eventId,
      );
      return;
    }
    // Truncating the item still being spoken ends that response first, as the service does.
    if (this.active?.current?.entry === entry) this.cancelActive('client_cancelled');
    const totalMs = producedMs(entry);
    if (audioEndMs > totalMs) {
      this.error(
        'invalid_value',
        `Audio content of ${Math.floor(totalMs)}ms is already shorter than ${audioEndMs}ms`,
        'audio_end_ms',
        eventId,
      );
      return;
    }
    this.truncateEntry(entry, contentIndex, audioEndMs);
  }

  private truncateEntry(entry: Entry, contentIndex: number, audioEndMs: number): void {
    const item = entry.item;
    if (item.type !== 'message') return;
    const keepBytes = entry.audioFormat === 'pcm' ? Math.floor(audioEndMs * 24) * 2 : Math.floor(audioEndMs * 8);
    entry.audio = [concatBytes(entry.audio).slice(0, keepBytes)];
    if (entry.producedBytes !== undefined) entry.producedBytes = Math.min(entry.producedBytes, keepBytes);
    // The service drops the transcript of truncated audio (the SDK keeps the text it already had).
    item.content[contentIndex] = { type: 'output_audio', transcript: '' };
    this.emit({ type: 'conversation.item.truncated', item_id: item.id, content_index: contentIndex, audio_end_ms: audioEndMs });
  }

  /**
   * WebRTC: cuts the outgoing audio off and truncates the item being heard at the position actually played, as the
   * service does by itself over WebRTC; then reports `output_audio_buffer.cleared`.
   */
  private clearOutputAudio(cancelled: string | null, always: boolean): void {
    const played = this.options.audioOutput?.clear() ?? null;
    if (!played && cancelled === null && !always) return;
    if (played) {
      const entry = this.entries[this.indexOf(played.itemId)];
      const part = entry?.item.type === 'message' ? entry.item.content[0] : undefined;
      if (entry && part?.type === 'output_audio') {
        const totalMs = producedMs(entry);
        this.truncateEntry(entry, 0, Math.max(0, Math.min(Math.floor(played.playedMs), Math.floor(totalMs))));
      }
    }
    this.emit({ type: 'output_audio_buffer.cleared', response_id: played?.responseId ?? cancelled ?? '' });
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Input audio

  private onAppend(audio: string, eventId: string | null): void {
    if (audio.length > MAX_APPEND_BASE64) {
      this.error('invalid_value', `Audio payload too large: ${audio.length} base64 characters (max ${MAX_APPEND_BASE64}).`, 'audio', eventId);
      return;
    }
    if (audio.length % 4 !== 0 || !BASE64_RE.test(audio)) {
      this.error('invalid_value', 'Invalid value for \'audio\': expected base64-encoded audio.', 'audio', eventId);
      return;
    }
    const bytes = Buffer.from(audio, 'base64');
    const inputKind = formatKind(obj(obj(this.session.audio).input).format);
    let pcm: Int16Array;
    if (inputKind === 'pcm') {
      pcm = pcm16FromBytes(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    } else {
      const narrow = inputKind === 'pcmu' ? decodeMuLaw(bytes) : decodeALaw(bytes);
      this.inputResampler ??= new Resampler(8000, SAMPLE_RATE_HZ);
      pcm = floatToPcm16(this.inputResampler.process(pcm16ToFloat(narrow)));
    }
    this.appendPcm(pcm);
  }

  private appendPcm(pcm: Int16Array): void {
    if (pcm.length === 0) return;
    this.buffer.push(pcm);
    this.bufferSamples += pcm.length;
    this.inputSamples += pcm.length;
    if (this.speech) this.speech.recognition.write(pcm);
    if (this.vad) {
      const { detector, offsetSamples } = this.vad;
      for (const event of detector.push(pcm)) {
        if (event.type === 'speech_started') this.onSpeechStarted(offsetSamples + Math.round((event.audioStartMs * SAMPLE_RATE_HZ) / 1000));
        else this.onSpeechStopped(offsetSamples + Math.round((event.audioEndMs * SAMPLE_RATE_HZ) / 1000));
      }
      if (!this.speech) this.trimIdleBuffer();
    } else if (this.bufferSamples > MAX_BUFFER_SAMPLES) {
      this.dropBefore(this.bufferStart + this.bufferSamples - MAX_BUFFER_SAMPLES);
    }
  }

  /** Under VAD, audio before a possible speech onset is only needed for the prefix padding. */
  private trimIdleBuffer(): void {
    const keep = SAMPLE_RATE_HZ * 2;
    if (this.bufferSamples > keep * 2) this.dropBefore(this.bufferStart + this.bufferSamples - keep);
  }

  private dropBefore(sample: number): void {
    while (this.buffer.length > 0 && sample > this.bufferStart) {
      const first = this.buffer[0] as Int16Array;
      const drop = sample - this.bufferStart;
      if (drop >= first.length) {
        this.buffer.shift();
        this.bufferStart += first.length;
        this.bufferSamples -= first.length;
      } else {
        this.buffer[0] = first.subarray(drop);
        this.bufferStart += drop;
        this.bufferSamples -= drop;
      }
    }
  }

  /** Buffered samples from absolute index `from` to `to` (clamped to what is buffered). */
  private bufferRange(from: number, to: number): Int16Array {
    const all = concatPcm16(this.buffer);
    const a = Math.max(0, from - this.bufferStart);
    const b = Math.max(a, Math.min(all.length, to - this.bufferStart));
    return all.slice(a, b);
  }

  private clearBuffer(): void {
    this.buffer = [];
    this.bufferStart = this.inputSamples;
    this.bufferSamples = 0;
    this.abortSpeech();
    // A fresh detector: speech that was in progress belongs to the discarded audio.
    if (this.vad) this.vad = null;
    this.configureVad();
  }

  private abortSpeech(): void {
    if (!this.speech) return;
    try {
      this.speech.recognition.end();
    } catch {
      // The recognizer's result is discarded anyway.
    }
    this.speech = null;
  }

  private onSpeechStarted(startSample: number): void {
    const itemId = newId('item');
    const from = Math.max(startSample, this.bufferStart);
    let recognition: RecognitionStream;
    try {
      recognition = this.options.stt.start(this.currentBrain().grammar);
      recognition.write(this.bufferRange(from, this.inputSamples));
    } catch (error) {
      this.options.log?.(`emulator: recognizer failed to start: ${(error as Error).message}`);
      recognition = { write: () => '', end: () => ({ text: null }) };
    }
    this.speech = { itemId, startSample: from, recognition };
    this.emit({ type: 'input_audio_buffer.speech_started', item_id: itemId, audio_start_ms: Math.round((from * 1000) / SAMPLE_RATE_HZ) });
    const td = this.turnDetection();
    if (!td || td.interrupt_response === false) return;
    const cancelled = this.active?.id ?? null;
    if (this.active) this.cancelActive('turn_detected');
    // Over WebRTC the NPC may still be speaking a response that finished generating: stop the audio too.
    if (this.options.transport === 'webrtc' && this.options.audioOutput) this.clearOutputAudio(cancelled, false);
  }

  private onSpeechStopped(endSample: number): void {
    const speech = this.speech;
    if (!speech) return;
    this.speech = null;
    const end = Math.max(speech.startSample, Math.min(endSample, this.inputSamples));
    this.emit({ type: 'input_audio_buffer.speech_stopped', item_id: speech.itemId, audio_end_ms: Math.round((end * 1000) / SAMPLE_RATE_HZ) });
    const pcm = this.bufferRange(speech.startSample, end);
    this.dropBefore(end);
    let heard: string | null = null;
    try {
      heard = speech.recognition.end().text;
    } catch (error) {
      this.options.log?.(`emulator: recognizer failed: ${(error as Error).message}`);
    }
    this.commitUserAudio(speech.itemId, pcm, heard);
    const td = this.turnDetection();
    if (td && td.create_response !== false && !this.active) this.startResponse(undefined, null);
  }

  private onCommit(eventId: string | null): void {
    const ms = (this.bufferSamples * 1000) / SAMPLE_RATE_HZ;
    if (ms < MIN_COMMIT_MS) {
      this.error(
        'input_audio_buffer_commit_empty',
        `Error committing input audio buffer: buffer too small. Expected at least ${MIN_COMMIT_MS}ms of audio, but buffer only has ${ms.toFixed(2)}ms of audio.`,
        null,
        eventId,
      );
      return;
    }
    const pcm = concatPcm16(this.buffer);
    let itemId = newId('item');
    let heard: string | null = null;
    if (this.speech) {
      // A manual commit during VAD speech ends that turn: reuse the announced item id and the running recognition.
      itemId = this.speech.itemId;
      try {
        heard = this.speech.recognition.end().text;
      } catch {
        heard = null;
      }
      this.speech = null;
    } else {
      try {
        const recognition = this.options.stt.start(this.currentBrain().grammar);
        recognition.write(pcm);
        heard = recognition.end().text;
      } catch (error) {
        this.options.log?.(`emulator: recognizer failed: ${(error as Error).message}`);
      }
    }
    this.buffer = [];
    this.bufferStart = this.inputSamples;
    this.bufferSamples = 0;
    this.commitUserAudio(itemId, pcm, heard);
  }

  private commitUserAudio(itemId: string, pcm: Int16Array, heard: string | null): void {
    const entry: Entry = {
      item: { id: itemId, object: 'realtime.item', type: 'message', role: 'user', status: 'completed', content: [{ type: 'input_audio', transcript: null }] },
      fromResponse: false,
      audio: [pcm16Bytes(pcm)],
      audioFormat: 'pcm',
      heard,
    };
    this.entries.push(entry);
    this.capStoredAudio();
    const previous = this.previousId(entry);
    this.emit({ type: 'input_audio_buffer.committed', item_id: itemId, previous_item_id: previous });
    this.emit({ type: 'conversation.item.added', previous_item_id: previous, item: snapshot(entry.item) });
    this.emit({ type: 'conversation.item.done', previous_item_id: previous, item: snapshot(entry.item) });
    if (obj(this.session.audio).input && isObject(obj(obj(this.session.audio).input).transcription)) {
      this.emitTranscription(entry, heard, pcm.length / SAMPLE_RATE_HZ);
    }
  }

  private emitTranscription(entry: Entry, heard: string | null, seconds: number): void {
    const itemId = entry.item.id;
    if (heard === null) {
      this.emit({
        type: 'conversation.item.input_audio_transcription.failed',
        item_id: itemId,
        content_index: 0,
        error: { type: 'transcription_error', code: 'audio_unintelligible', message: 'Audio could not be transcribed.', param: null },
      });
      return;
    }
    const words = heard.split(' ').filter((w) => w !== '');
    words.forEach((word, i) => {
      this.emit({ type: 'conversation.item.input_audio_transcription.delta', item_id: itemId, content_index: 0, delta: i === 0 ? word : ` ${word}` });
    });
    if (entry.item.type === 'message') entry.item.content[0] = { type: 'input_audio', transcript: heard };
    this.emit({
      type: 'conversation.item.input_audio_transcription.completed',
      item_id: itemId,
      content_index: 0,
      transcript: heard,
      usage: { type: 'duration', seconds: Math.round(seconds * 100) / 100 },
    });
  }

  private onOutputClear(eventId: string | null): void {
    if (this.options.transport !== 'webrtc') {
      this.error('invalid_value', 'output_audio_buffer.clear is only supported for WebRTC and SIP sessions.', 'type', eventId);
      return;
    }
    const run = this.active;
    if (run) this.cancelActive('client_cancelled');
    if (this.options.audioOutput) {
      this.clearOutputAudio(run?.id ?? null, true);
      return;
    }
    this.emit({ type: 'output_audio_buffer.cleared', response_id: run?.id ?? '' });
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Responses

  /** What the player said since the last response, as brain input. */
  private brainInput(): BrainInput {
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const entry = this.entries[i] as Entry;
      if (entry.fromResponse) break;
      const item = entry.item;
      if (item.type === 'function_call_output') {
        return { kind: 'tool_result', intent: this.pendingCalls.get(item.call_id)?.intent, output: item.output };
      }
      if (item.type === 'message' && item.role === 'user') {
        const texts: string[] = [];
        let unintelligible = false;
        for (const part of item.content) {
          if (part.type === 'input_text') texts.push(part.text);
          else if (part.type === 'input_audio') {
            const heard = entry.heard !== undefined ? entry.heard : part.transcript;
            if (heard) texts.push(heard);
            else unintelligible = true;
          }
        }
        if (texts.length > 0) return { kind: 'text', text: texts.join(' ') };
        if (unintelligible) return { kind: 'unintelligible' };
      }
    }
    return { kind: 'none' };
  }

  private startResponse(params: ResponseParams | undefined, eventId: string | null): void {
    if (this.active) {
      this.error(
        'conversation_already_has_active_response',
        `Conversation already has an active response in progress: ${this.active.id}. Wait until the response is finished before creating a new one.`,
        null,
        eventId,
      );
      return;
    }
    const { persona, brain } = this.currentBrain();
    const input = this.brainInput();
    const decision = brain.decide(input, this.toolNames());
    if (input.kind === 'tool_result') {
      // One spoken result per call: a second response.create after it greets instead of repeating.
      for (const [callId, call] of this.pendingCalls) if (call.intent === input.intent) this.pendingCalls.delete(callId);
    }
    const modalities = params?.output_modalities ?? (Array.isArray(this.session.output_modalities) ? this.session.output_modalities : ['audio']);
    const kind: 'audio' | 'text' = modalities[0] === 'text' ? 'text' : 'audio';
    const output = obj(obj(this.session.audio).output);
    const format = obj(params?.audio?.output?.format ?? output.format);
    const voice = params?.audio?.output?.voice ?? (typeof output.voice === 'string' ? output.voice : 'marin');
    const sentences = decision.say ? this.utterances(decision.say) : [];
    // Start synthesizing the first sentence before anything else: it bounds the time to first audio.
    const first = kind === 'audio' && sentences[0] !== undefined ? this.options.tts.synthesize(sentences[0], persona.localVoice) : null;
    first?.catch(() => undefined);
    const conversation = params?.conversation !== 'none';
    const maxTokens = params?.max_output_tokens ?? this.session.max_output_tokens;
    const run: ResponseRun = {
      id: newId('resp'),
      response: {
        object: 'realtime.response',
        id: '',
        status: 'in_progress',
        status_details: null,
        output: [],
        conversation_id: conversation ? this.conversationId : null,
        output_modalities: [kind],
        max_output_tokens: typeof maxTokens === 'number' ? maxTokens : 'inf',
        audio: { output: { format: structuredClone(format), voice } },
        usage: null,
        metadata: params?.metadata ?? null,
      },
      conversation,
      kind,
      format: formatKind(format),
      persona,
      current: null,
      outputTextTokens: 0,
      outputAudioMs: 0,
      inputTokens: this.inputTokens(),
      finished: false,
    };
    run.response.id = run.id;
    this.active = run;
    this.options.log?.(`emulator: response ${run.id} (${persona.id}): ${decision.reason}`);
    this.emit({ type: 'response.created', response: structuredClone(run.response) });
    void this.runResponse(run, decision, sentences, first).catch((error: unknown) => {
      if (run.finished) return;
      this.options.log?.(`emulator: response failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      this.finishCurrentContent(run, 'incomplete');
      this.finishResponse(run, 'failed', {
        type: 'failed',
        error: { type: 'server_error', code: 'server_error', message: 'The emulator failed to produce this response.' },
      });
    });
  }

  private inputTokens(): number {
    let tokens = typeof this.session.instructions === 'string' ? tokensOfText(this.session.instructions) : 0;
    for (const entry of this.entries) {
      const item = entry.item;
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

  /** Whether the run is still the live one (cancellation and close end it synchronously, from other events). */
  private live(run: ResponseRun): boolean {
    return !run.finished && !this.closed && this.active === run;
  }

  private addOutputItem(run: ResponseRun, item: ServerItem): Entry {
    const entry: Entry = { item, fromResponse: true, audio: [], audioFormat: run.format };
    const outputIndex = run.response.output.length;
    run.response.output.push(item);
    if (run.conversation) this.entries.push(entry);
    this.emit({ type: 'response.output_item.added', response_id: run.id, output_index: outputIndex, item: snapshot(item) });
    if (run.conversation) this.emit({ type: 'conversation.item.added', previous_item_id: this.previousId(entry), item: snapshot(item) });
    return entry;
  }

  private finishOutputItem(run: ResponseRun, entry: Entry, outputIndex: number): void {
    if (run.conversation) this.emit({ type: 'conversation.item.done', previous_item_id: this.previousId(entry), item: snapshot(entry.item) });
    this.emit({ type: 'response.output_item.done', response_id: run.id, output_index: outputIndex, item: snapshot(entry.item) });
  }

  private async runResponse(run: ResponseRun, decision: BrainDecision, sentences: string[], first: Promise<Int16Array> | null): Promise<void> {
    if (decision.say !== null && sentences.length > 0) {
      await this.speak(run, sentences, first);
      if (!this.live(run)) return;
    }
    if (decision.toolCall) {
      const call = decision.toolCall;
      const callId = `call_${randomBytes(8).toString('hex')}`;
      const item: ServerItem = { id: newId('item'), object: 'realtime.item', type: 'function_call', status: 'in_progress', call_id: callId, name: call.name, arguments: '' };
      const outputIndex = run.response.output.length;
      const entry = this.addOutputItem(run, item);
      const ref = { response_id: run.id, item_id: item.id, output_index: outputIndex, call_id: callId };
      this.emit({ type: 'response.function_call_arguments.delta', ...ref, delta: call.arguments });
      this.emit({ type: 'response.function_call_arguments.done', ...ref, name: call.name, arguments: call.arguments });
      if (item.type === 'function_call') {
        item.arguments = call.arguments;
        item.status = 'completed';
      }
      run.outputTextTokens += tokensOfText(call.arguments);
      this.pendingCalls.set(callId, call);
      this.finishOutputItem(run, entry, outputIndex);
    }
    this.finishResponse(run, 'completed', null);
  }

  private async speak(run: ResponseRun, sentences: string[], first: Promise<Int16Array> | null): Promise<void> {
    const item: ServerItem = { id: newId('item'), object: 'realtime.item', type: 'message', role: 'assistant', status: 'in_progress', content: [] };
    const outputIndex = run.response.output.length;
    const entry = this.addOutputItem(run, item);
    const progress: ContentProgress = { entry, outputIndex, kind: run.kind, words: [], transcript: '', audioMs: 0 };
    run.current = progress;
    const ref = { response_id: run.id, item_id: item.id, output_index: outputIndex, content_index: 0 };
    this.emit({
      type: 'response.content_part.added',
      ...ref,
      part: run.kind === 'audio' ? { type: 'audio', transcript: '' } : { type: 'text', text: '' },
    });

    if (run.kind === 'text') {
      for (const word of sentences.join(' ').split(/\s+/).filter((w) => w !== '')) {
        const delta = progress.transcript === '' ? word : ` ${word}`;
        progress.transcript += delta;
        this.emit({ type: 'response.output_text.delta', ...ref, delta });
      }
      this.finishCurrentContent(run, 'completed');
      return;
    }

    const burstMs = this.options.burstMs ?? 300;
    const speed = this.options.speedFactor ?? 4;
    const voice = run.persona.localVoice;
    const chunkBytes = run.format === 'pcm' ? (SAMPLE_RATE_HZ / 1000) * CHUNK_MS * 2 : 8 * CHUNK_MS;
    const storedCap = this.options.maxStoredAudioBytes ?? DEFAULT_MAX_STORED_AUDIO_BYTES;
    let startedAt = -1;
    let next: Promise<Int16Array> | null = first;
    for (let s = 0; s < sentences.length; s++) {
      const sentence = sentences[s] as string;
      const pcm = await (next ?? this.options.tts.synthesize(sentence, voice));
      if (!this.live(run)) return;
      // Synthesize the next sentence while this one streams.
      const following = sentences[s + 1];
      next = following === undefined ? null : this.options.tts.synthesize(following, voice);
      next?.catch(() => undefined);
      const bytes = this.encodeOutput(pcm, run.format);
      const words = sentence.split(/\s+/).filter((w) => w !== '');
      const chunks = Math.max(1, Math.ceil(bytes.length / chunkBytes));
      let wordsSent = 0;
      for (let c = 0; c < chunks; c++) {
        const upTo = Math.ceil(((c + 1) / chunks) * words.length);
        if (upTo > wordsSent) {
          const piece = words.slice(wordsSent, upTo).join(' ');
          const delta = progress.transcript === '' ? piece : ` ${piece}`;
          wordsSent = upTo;
          progress.transcript += delta;
          this.emit({ type: 'response.output_audio_transcript.delta', ...ref, delta });
        }
        const chunk = bytes.subarray(c * chunkBytes, (c + 1) * chunkBytes);
        if (chunk.length === 0) continue;
        // One very long line keeps only its first `maxStoredAudioBytes` (what a truncation can still keep).
        entry.producedBytes = (entry.producedBytes ?? 0) + chunk.length;
        if (entry.producedBytes <= storedCap) entry.audio.push(chunk);
        const chunkMs = bytesToMs(chunk.length, run.format);
        progress.audioMs += chunkMs;
        run.outputAudioMs += chunkMs;
        this.audioProduced = true;
        const player = this.options.transport === 'webrtc' ? this.options.audioOutput : undefined;
        if (startedAt < 0) {
          startedAt = performance.now();
          if (this.options.transport === 'webrtc' && !player) this.emit({ type: 'output_audio_buffer.started', response_id: run.id });
        }
        if (player) {
          // The media track carries PCM regardless of the session's output format (the codec is negotiated).
          player.write(run.format === 'pcm' ? pcm16FromBytes(chunk) : this.chunkAsPcm(pcm, c, chunks), run.id, item.id);
        } else if (this.options.transport === 'webrtc') {
          this.options.onOutputAudio?.(run.format === 'pcm' ? pcm16FromBytes(chunk) : pcm.subarray(0, 0), run.id);
        } else {
          this.emit({ type: 'response.output_audio.delta', ...ref, delta: Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('base64') });
        }
        // Faster than real time after an initial burst, like the service; always yield so other sessions run.
        const dueAt = startedAt + Math.max(0, progress.audioMs - burstMs) / speed;
        const wait = dueAt - performance.now();
        if (wait > 1) await sleep(wait);
        else await yieldToLoop();
        if (!this.live(run)) return;
      }
    }
    this.finishCurrentContent(run, 'completed');
  }

  /** Chunk `c` of `chunks` of a sentence's PCM, for G.711 sessions whose bytes cannot feed a PCM track. */
  private chunkAsPcm(pcm: Int16Array, c: number, chunks: number): Int16Array {
    const from = Math.floor((c * pcm.length) / chunks);
    const to = Math.floor(((c + 1) * pcm.length) / chunks);
    return pcm.subarray(from, to);
  }

  private encodeOutput(pcm: Int16Array, kind: FormatKind): Uint8Array {
    if (kind === 'pcm') return pcm16Bytes(pcm);
    const narrow = floatToPcm16(resample(pcm16ToFloat(pcm), SAMPLE_RATE_HZ, 8000));
    return kind === 'pcmu' ? encodeMuLaw(narrow) : encodeALaw(narrow);
  }

  /** Ends the content in progress (normally or because the response was cancelled) with its done events. */
  private finishCurrentContent(run: ResponseRun, status: 'completed' | 'incomplete'): void {
    const progress = run.current;
    if (!progress) return;
    run.current = null;
    const { entry, outputIndex } = progress;
    const ref = { response_id: run.id, item_id: entry.item.id, output_index: outputIndex, content_index: 0 };
    const text = progress.transcript;
    run.outputTextTokens += tokensOfText(text);
    if (progress.kind === 'audio') {
      this.emit({ type: 'response.output_audio.done', ...ref });
      this.emit({ type: 'response.output_audio_transcript.done', ...ref, transcript: text });
      this.emit({ type: 'response.content_part.done', ...ref, part: { type: 'audio', transcript: text } });
    } else {
      this.emit({ type: 'response.output_text.done', ...ref, text });
      this.emit({ type: 'response.content_part.done', ...ref, part: { type: 'text', text } });
    }
    if (entry.item.type === 'message') {
      entry.item.status = status;
      entry.item.content = [progress.kind === 'audio' ? { type: 'output_audio', transcript: text } : { type: 'output_text', text }];
    }
    this.capStoredAudio();
    this.finishOutputItem(run, entry, outputIndex);
  }

  private finishResponse(run: ResponseRun, status: ServerResponse['status'], details: ServerResponse['status_details']): void {
    if (run.finished) return;
    run.finished = true;
    if (this.active === run) this.active = null;
    const outputAudioTokens = Math.ceil(run.outputAudioMs / 50);
    const usage: ServerUsage = {
      total_tokens: run.inputTokens + run.outputTextTokens + outputAudioTokens,
      input_tokens: run.inputTokens,
      output_tokens: run.outputTextTokens + outputAudioTokens,
      input_token_details: {
        text_tokens: run.inputTokens,
        audio_tokens: 0,
        image_tokens: 0,
        cached_tokens: 0,
        cached_tokens_details: { text_tokens: 0, audio_tokens: 0, image_tokens: 0 },
      },
      output_token_details: { text_tokens: run.outputTextTokens, audio_tokens: outputAudioTokens },
    };
    run.response.status = status;
    run.response.status_details = details;
    run.response.usage = usage;
    if (this.options.transport === 'webrtc' && this.options.audioOutput) {
      // The transport reports `output_audio_buffer.stopped` when the last queued frame has actually gone out.
      if (run.outputAudioMs > 0) this.options.audioOutput.end(run.id);
    } else if (this.options.transport === 'webrtc' && run.outputAudioMs > 0 && status === 'completed') {
      this.emit({ type: 'output_audio_buffer.stopped', response_id: run.id });
    }
    this.emit({ type: 'response.done', response: structuredClone(run.response) });
  }

  /** Cancels the active response synchronously, so its final events precede whatever caused the cancel. */
  private cancelActive(reason: 'turn_detected' | 'client_cancelled'): void {
    const run = this.active;
    if (!run) return;
    this.finishCurrentContent(run, 'incomplete');
    this.finishResponse(run, 'cancelled', { type: 'cancelled', reason });
  }

  private onCancel(responseId: string | undefined, eventId: string | null): void {
    if (!this.active || (responseId !== undefined && responseId !== this.active.id)) {
      this.error(
        'response_cancel_not_active',
        responseId === undefined ? 'Cancellation failed: no active response found' : `Cancellation failed: response '${responseId}' is not active`,
        null,
        eventId,
      );
      return;
    }
    this.cancelActive('client_cancelled');
  }
}
