import { randomBytes } from 'node:crypto';
import { setImmediate as yieldToLoop, setTimeout as sleep } from 'node:timers/promises';
import { pcm16FromBytes } from '../../../plugin/shared/pcm16.js';
import type { Persona } from '../../../plugin/shared/personaSchema.js';
import type { ResponseInput, ResponseParams } from '../../../plugin/shared/protocol/clientEvents.js';
import type { ServerItem, ServerResponse, ServerUsage } from '../../../plugin/shared/protocol/serverEvents.js';
import type { BrainDecision, BrainInput, PersonaBrain } from '../brain/PersonaBrain.js';
import { enforceToolChoice, resolveToolChoice, toolsAllowed } from '../brain/toolChoice.js';
import { localVoiceFor } from '../speech/localVoices.js';
import { DEFAULT_MAX_UTTERANCE_CHARS, splitUtterances } from '../speech/sentences.js';
import { SAMPLE_RATE_HZ, type TextToSpeech } from '../speech/types.js';
import { bytesToMs, encodeOutput, formatKind, type FormatKind } from './audioFormats.js';
import type { AudioOutput, ServerEventSink } from './AudioOutput.js';
import { itemFromClient, type Conversation, type ConversationEntry } from './Conversation.js';
import { readItemImages } from './images.js';
import { PROTOCOL_ERRORS, type RealtimeError } from './protocolErrors.js';
import { functionTools, newId, toolChoiceError, type SessionView } from './SessionState.js';

const CHUNK_MS = 50;

/** Why a response was cancelled. */
export type CancelReason = 'turn_detected' | 'client_cancelled';

/** The persona a response speaks as, with its brain. */
export interface SpeakingPersona {
  persona: Persona;
  brain: PersonaBrain;
  /** No persona is bound to the session: its `voice` picks the local voice (see `localVoiceFor`). */
  generic?: boolean;
}

/** Options of {@link ResponseRunner}. */
export interface ResponseRunnerOptions {
  emit: ServerEventSink;
  conversation: Conversation;
  /** The session's current config. */
  session: () => SessionView;
  /** The persona to answer as, given the response's instructions (read at every response). */
  persona: (instructions: string) => SpeakingPersona;
  tts: TextToSpeech;
  output: AudioOutput;
  /** Audio sent at once at the start of a response before pacing starts (default 300 ms). */
  burstMs?: number;
  /** How much faster than real time audio is streamed after the burst (default 4). */
  speedFactor?: number;
  /** Longest text synthesized in one TTS call (default 300 characters); longer sentences are split. */
  maxUtteranceChars?: number;
  /** Runs after every `response.done` (rate limits, the idle timeout wait). */
  finished?: (ended: FinishedResponse) => void;
  log?: (line: string) => void;
}

/** A response that just ended, as {@link ResponseRunnerOptions.finished} reports it. */
export interface FinishedResponse {
  response: ServerResponse;
  /** It belonged to the conversation (not out-of-band). */
  conversation: boolean;
  /** How much of its audio is still to be heard: produced faster than real time, it plays on after `response.done`. */
  playbackRemainingMs: number;
}

/** Why the emulator itself started a response (none: the client asked, or a VAD turn ended). */
export interface ResponseCause {
  /** The server VAD's `idle_timeout_ms` passed with no speech: the NPC prompts the player. */
  idleTimeout?: boolean;
}

/** The active response, while it runs. */
export interface ResponseHandle {
  readonly id: string;
  /** Settles with the final response (as in `response.done`) however it ended. */
  readonly done: Promise<ServerResponse>;
  /** Cancels it synchronously, so its final events precede whatever caused the cancel. */
  cancel(reason: CancelReason): void;
}

interface ContentProgress {
  entry: ConversationEntry;
  outputIndex: number;
  kind: 'audio' | 'text';
  transcript: string;
  audioMs: number;
}

/** What a response answers: the conversation's items, or its own `input` (out-of-band); `heard` for user audio. */
type ContextEntry = Pick<ConversationEntry, 'item' | 'heard' | 'images' | 'imagesCached'>;

interface Run {
  id: string;
  response: ServerResponse;
  /** Its items join the conversation (`conversation: 'auto'`); out-of-band ones (`'none'`) do not. */
  conversation: boolean;
  kind: 'audio' | 'text';
  format: FormatKind;
  persona: Persona;
  current: ContentProgress | null;
  outputTextTokens: number;
  outputAudioMs: number;
  /** When its first audio went out (performance.now()), or -1. */
  audioStartedAt: number;
  /** `max_output_tokens` of the response: over it the response ends `incomplete`. */
  maxOutputTokens: number | 'inf';
  inputTokens: number;
  /** Input tokens of the images in its context, and how many of those came from the prompt cache. */
  imageTokens: { tokens: number; cached: number };
  finished: boolean;
  done: Promise<ServerResponse>;
  resolve: (response: ServerResponse) => void;
}

const tokensOfText = (text: string): number => Math.ceil(text.length / 4);
const snapshot = (item: ServerItem): ServerItem => structuredClone(item);
const words = (text: string): string[] => text.split(/\s+/).filter((w) => w !== '');

/** Chunk `c` of `chunks` of a sentence's PCM, for G.711 sessions whose bytes cannot feed a PCM track. */
function chunkOfPcm(pcm: Int16Array, c: number, chunks: number): Int16Array {
  return pcm.subarray(Math.floor((c * pcm.length) / chunks), Math.floor(((c + 1) * pcm.length) / chunks));
}

/**
 * Runs a session's responses: asks the persona brain what to say, streams the audio (or text) and function calls with
 * the GA event sequence of realtime-protocol.md §3.6, and ends every response with `response.done` (completed,
 * cancelled or failed). One response at a time writes to the conversation; out-of-band ones (`conversation: 'none'`)
 * answer their own `input` and may run beside it.
 */
export class ResponseRunner {
  private readonly options: ResponseRunnerOptions;
  /** The response writing to the conversation, if any. */
  private run: Run | null = null;
  /** Every running response, the conversation's and out-of-band ones. */
  private readonly runs = new Set<Run>();
  private closed = false;
  private producedAudio = false;
  /** Tool calls the brain made, by call id, so the tool's output is spoken with the intent's template. */
  private readonly pendingCalls = new Map<string, NonNullable<BrainDecision['toolCall']>>();
  /** Pictures answered with an image line so far (the brain takes the persona's `onImage` lines in turn). */
  private imagesAnswered = 0;

  constructor(options: ResponseRunnerOptions) {
    this.options = options;
  }

  /** The running response of the conversation, or null (out-of-band responses are not it). */
  get active(): ResponseHandle | null {
    const run = this.run;
    return run ? this.handle(run) : null;
  }

  /** Whether any response runs, the conversation's or out-of-band. */
  get busy(): boolean {
    return this.runs.size > 0;
  }

  /** A running response (of the conversation or out-of-band) by id. */
  find(responseId: string): ResponseHandle | null {
    for (const run of this.runs) if (run.id === responseId) return this.handle(run);
    return null;
  }

  /** The conversation entry the active response is generating (it may not be deleted or lose its audio). */
  get generating(): ConversationEntry | null {
    return this.run?.current?.entry ?? null;
  }

  /** Whether any response has produced audio (the session's voice is then fixed). */
  get audioProduced(): boolean {
    return this.producedAudio;
  }

  /** The pieces a line is synthesized in: sentences, with long ones split so no single TTS call runs long. */
  utterances(text: string): string[] {
    return splitUtterances(text, this.options.maxUtteranceChars ?? DEFAULT_MAX_UTTERANCE_CHARS);
  }

  /**
   * `response.create`: starts a response, or returns the error when its parameters are refused or the conversation
   * already has an active response (an out-of-band one may start beside it).
   */
  create(params: ResponseParams | undefined, cause: ResponseCause = {}): { ok: true; response: ResponseHandle } | { ok: false; error: RealtimeError } {
    const conversation = params?.conversation !== 'none';
    if (conversation && this.run) return { ok: false, error: PROTOCOL_ERRORS.responseActive(this.run.id) };
    const session = this.options.session();
    const context = params?.input === undefined ? { ok: true as const, entries: null } : this.resolveInput(params.input);
    if (!context.ok) return context;
    const tools = params?.tools === undefined ? session.tools : functionTools(params.tools);
    const toolNames = new Set(tools.map((tool) => tool.name));
    const choiceParam = params?.tool_choice === undefined ? 'session.tool_choice' : 'response.tool_choice';
    const wireChoice = params?.tool_choice ?? session.toolChoice;
    const badChoice = toolChoiceError(wireChoice, toolNames, choiceParam);
    if (badChoice) return { ok: false, error: badChoice };
    const instructions = params?.instructions ?? session.instructions;
    const speaking = this.options.persona(instructions);
    const { brain } = speaking;
    const input: BrainInput = cause.idleTimeout ? { kind: 'idle' } : this.brainInput(context.entries ?? [...this.options.conversation.sinceLastResponse()].reverse());
    const choice = resolveToolChoice(wireChoice);
    const heard = input.kind === 'text' ? input.text : undefined;
    const decision = enforceToolChoice(brain.decide(input, toolsAllowed(choice, tools)), choice, tools, speaking.persona, heard);
    if (decision.reason === 'image') this.imagesAnswered++;
    if (input.kind === 'tool_result') {
      // One spoken result per call: a second response.create after it greets instead of repeating.
      for (const [callId, call] of this.pendingCalls) if (call.intent === input.intent) this.pendingCalls.delete(callId);
    }
    const modality = params?.output_modalities?.[0] ?? session.outputModality;
    const kind: 'audio' | 'text' = modality === 'text' ? 'text' : 'audio';
    const paramsFormat = params?.audio?.output?.format;
    const format = paramsFormat === undefined ? session.outputFormat : typeof paramsFormat === 'object' ? paramsFormat : {};
    const voice = params?.audio?.output?.voice ?? session.voice;
    const persona = speaking.generic ? { ...speaking.persona, localVoice: localVoiceFor(voice, speaking.persona.localVoice) } : speaking.persona;
    const sentences = decision.say ? this.utterances(decision.say) : [];
    // Start synthesizing the first sentence before anything else: it bounds the time to first audio.
    const first = kind === 'audio' && sentences[0] !== undefined ? this.options.tts.synthesize(sentences[0], persona.localVoice) : null;
    first?.catch(() => undefined);
    const maxOutputTokens = params?.max_output_tokens ?? session.maxOutputTokens;
    const id = newId('resp');
    let resolve: (response: ServerResponse) => void = () => {};
    const done = new Promise<ServerResponse>((r) => (resolve = r));
    const run: Run = {
      id,
      response: {
        object: 'realtime.response',
        id,
        status: 'in_progress',
        status_details: null,
        output: [],
        conversation_id: conversation ? this.options.conversation.id : null,
        output_modalities: [kind],
        max_output_tokens: maxOutputTokens,
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
      audioStartedAt: -1,
      maxOutputTokens,
      inputTokens: this.options.conversation.inputTokens(instructions, context.entries ?? undefined),
      imageTokens: this.options.conversation.imageTokens(context.entries ?? undefined),
      finished: false,
      done,
      resolve,
    };
    if (conversation) this.run = run;
    this.runs.add(run);
    const handle = this.handle(run);
    this.options.log?.(`emulator: response ${run.id} (${persona.id}): ${decision.reason}`);
    this.options.emit({ type: 'response.created', response: structuredClone(run.response) });
    void this.execute(run, decision, sentences, first).catch((error: unknown) => {
      if (run.finished) return;
      this.options.log?.(`emulator: response failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      this.finishContent(run, 'incomplete');
      this.finish(run, 'failed', {
        type: 'failed',
        error: { type: 'server_error', code: 'server_error', message: 'The emulator failed to produce this response.' },
      });
    });
    return { ok: true, response: handle };
  }

  /** Cancels the conversation's active response, if any (out-of-band ones run on); returns its id. */
  cancel(reason: CancelReason): string | null {
    const run = this.run;
    if (!run) return null;
    this.cancelRun(run, reason);
    return run.id;
  }

  /** Stops all work without further events. Safe to call twice. */
  close(): void {
    this.closed = true;
    for (const run of this.runs) run.finished = true;
    this.runs.clear();
    this.run = null;
  }

  private cancelRun(run: Run, reason: CancelReason): void {
    this.finishContent(run, 'incomplete');
    this.finish(run, 'cancelled', { type: 'cancelled', reason });
  }

  private handle(run: Run): ResponseHandle {
    return {
      id: run.id,
      done: run.done,
      cancel: (reason) => {
        if (this.runs.has(run)) this.cancelRun(run, reason);
      },
    };
  }

  /**
   * A response's own `input`: its items as the server reports them, and references resolved to the conversation's
   * items (with what the recognizer heard of user audio); an unknown reference is an error.
   */
  private resolveInput(input: readonly ResponseInput[]): { ok: true; entries: ContextEntry[] } | { ok: false; error: RealtimeError } {
    const entries: ContextEntry[] = [];
    for (const [index, element] of input.entries()) {
      if (element.type === 'item_reference') {
        const entry = this.options.conversation.find(element.id);
        if (!entry) return { ok: false, error: PROTOCOL_ERRORS.inputItemNotFound(element.id, index) };
        entries.push({
          item: structuredClone(entry.item),
          ...(entry.heard !== undefined ? { heard: entry.heard } : {}),
          ...(entry.images ? { images: entry.images, imagesCached: entry.imagesCached ?? false } : {}),
        });
      } else {
        const images = readItemImages(element, `response.input.${index}`);
        if (!images.ok) return images;
        entries.push({ item: itemFromClient(element.id ?? newId('item'), element, []), ...(images.images.length > 0 ? { images: images.images } : {}) });
      }
    }
    return { ok: true, entries };
  }

  /** What the player said last in `context` (oldest first), as brain input. */
  private brainInput(context: readonly ContextEntry[]): BrainInput {
    for (const entry of [...context].reverse()) {
      const item = entry.item;
      if (item.type === 'function_call_output') {
        const call = this.pendingCalls.get(item.call_id);
        return { kind: 'tool_result', intent: call?.intent, output: item.output, ...(call ? { name: call.name } : {}) };
      }
      if (item.type === 'message' && item.role === 'user') {
        const texts: string[] = [];
        let unintelligible = false;
        const shown = (entry.images ?? []).length > 0;
        for (const part of item.content) {
          if (part.type === 'input_text') texts.push(part.text);
          else if (part.type === 'input_audio') {
            const heard = entry.heard !== undefined ? entry.heard : part.transcript;
            if (heard) texts.push(heard);
            else unintelligible = true;
          }
        }
        if (shown) return { kind: 'image', text: texts.join(' '), answered: this.imagesAnswered };
        if (texts.length > 0) return { kind: 'text', text: texts.join(' ') };
        if (unintelligible) return { kind: 'unintelligible' };
      }
    }
    return { kind: 'none' };
  }

  /** Whether the run still runs (cancellation and close end it synchronously, from other events). */
  private live(run: Run): boolean {
    return !run.finished && !this.closed && this.runs.has(run);
  }

  private addOutputItem(run: Run, item: ServerItem): ConversationEntry {
    const conversation = this.options.conversation;
    const outputIndex = run.response.output.length;
    run.response.output.push(item);
    const entry = run.conversation ? conversation.addOutput(item, run.format) : { item, fromResponse: true, audio: [], audioFormat: run.format };
    this.options.emit({ type: 'response.output_item.added', response_id: run.id, output_index: outputIndex, item: snapshot(item) });
    if (run.conversation) this.options.emit({ type: 'conversation.item.added', previous_item_id: conversation.previousId(entry), item: snapshot(item) });
    return entry;
  }

  private finishOutputItem(run: Run, entry: ConversationEntry, outputIndex: number): void {
    if (run.conversation) {
      this.options.emit({ type: 'conversation.item.done', previous_item_id: this.options.conversation.previousId(entry), item: snapshot(entry.item) });
    }
    this.options.emit({ type: 'response.output_item.done', response_id: run.id, output_index: outputIndex, item: snapshot(entry.item) });
  }

  private async execute(run: Run, decision: BrainDecision, sentences: string[], first: Promise<Int16Array> | null): Promise<void> {
    if (decision.say !== null && sentences.length > 0) {
      await this.speak(run, sentences, first);
      if (!this.live(run)) return;
    }
    if (decision.toolCall) {
      const call = decision.toolCall;
      if (this.exceeds(run, call.arguments, run.outputAudioMs)) return this.stopAtLimit(run);
      const callId = `call_${randomBytes(8).toString('hex')}`;
      const item: ServerItem = { id: newId('item'), object: 'realtime.item', type: 'function_call', status: 'in_progress', call_id: callId, name: call.name, arguments: '' };
      const outputIndex = run.response.output.length;
      const entry = this.addOutputItem(run, item);
      const ref = { response_id: run.id, item_id: item.id, output_index: outputIndex, call_id: callId };
      this.options.emit({ type: 'response.function_call_arguments.delta', ...ref, delta: call.arguments });
      this.options.emit({ type: 'response.function_call_arguments.done', ...ref, name: call.name, arguments: call.arguments });
      if (item.type === 'function_call') {
        item.arguments = call.arguments;
        item.status = 'completed';
      }
      run.outputTextTokens += tokensOfText(call.arguments);
      this.pendingCalls.set(callId, call);
      this.finishOutputItem(run, entry, outputIndex);
    }
    this.finish(run, 'completed', null);
  }

  private async speak(run: Run, sentences: string[], first: Promise<Int16Array> | null): Promise<void> {
    const { emit, tts, output, conversation } = this.options;
    const item: ServerItem = { id: newId('item'), object: 'realtime.item', type: 'message', role: 'assistant', status: 'in_progress', content: [] };
    const outputIndex = run.response.output.length;
    const entry = this.addOutputItem(run, item);
    const progress: ContentProgress = { entry, outputIndex, kind: run.kind, transcript: '', audioMs: 0 };
    run.current = progress;
    const ref = { response_id: run.id, item_id: item.id, output_index: outputIndex, content_index: 0 };
    emit({ type: 'response.content_part.added', ...ref, part: run.kind === 'audio' ? { type: 'audio', transcript: '' } : { type: 'text', text: '' } });

    if (run.kind === 'text') {
      for (const word of words(sentences.join(' '))) {
        const delta = progress.transcript === '' ? word : ` ${word}`;
        if (this.exceeds(run, progress.transcript + delta, 0)) return this.stopAtLimit(run);
        progress.transcript += delta;
        emit({ type: 'response.output_text.delta', ...ref, delta });
      }
      this.finishContent(run, 'completed');
      return;
    }

    const burstMs = this.options.burstMs ?? 300;
    const speed = this.options.speedFactor ?? 4;
    const voice = run.persona.localVoice;
    const chunkBytes = run.format === 'pcm' ? (SAMPLE_RATE_HZ / 1000) * CHUNK_MS * 2 : 8 * CHUNK_MS;
    let startedAt = -1;
    let next: Promise<Int16Array> | null = first;
    for (let s = 0; s < sentences.length; s++) {
      const sentence = sentences[s] as string;
      const pcm = await (next ?? tts.synthesize(sentence, voice));
      if (!this.live(run)) return;
      // Synthesize the next sentence while this one streams.
      const following = sentences[s + 1];
      next = following === undefined ? null : tts.synthesize(following, voice);
      next?.catch(() => undefined);
      const bytes = encodeOutput(pcm, run.format);
      const sentenceWords = words(sentence);
      const chunks = Math.max(1, Math.ceil(bytes.length / chunkBytes));
      let wordsSent = 0;
      for (let c = 0; c < chunks; c++) {
        const upTo = Math.ceil(((c + 1) / chunks) * sentenceWords.length);
        const piece = upTo > wordsSent ? sentenceWords.slice(wordsSent, upTo).join(' ') : '';
        const delta = piece === '' ? '' : progress.transcript === '' ? piece : ` ${piece}`;
        const chunk = bytes.subarray(c * chunkBytes, (c + 1) * chunkBytes);
        const chunkMs = bytesToMs(chunk.length, run.format);
        // The model stops mid-sentence at max_output_tokens: nothing of this step goes out.
        if (this.exceeds(run, progress.transcript + delta, run.outputAudioMs + chunkMs)) return this.stopAtLimit(run);
        if (delta !== '') {
          wordsSent = upTo;
          progress.transcript += delta;
          emit({ type: 'response.output_audio_transcript.delta', ...ref, delta });
        }
        if (chunk.length === 0) continue;
        conversation.storeProducedAudio(entry, chunk);
        progress.audioMs += chunkMs;
        run.outputAudioMs += chunkMs;
        this.producedAudio = true;
        if (startedAt < 0) startedAt = performance.now();
        if (run.audioStartedAt < 0) run.audioStartedAt = startedAt;
        const chunkPcm = run.format === 'pcm' ? pcm16FromBytes(chunk) : chunkOfPcm(pcm, c, chunks);
        output.write({ responseId: run.id, itemId: item.id, outputIndex, contentIndex: 0, bytes: chunk, pcm: chunkPcm }, emit);
        // Faster than real time after an initial burst, like the service; always yield so other sessions run.
        const dueAt = startedAt + Math.max(0, progress.audioMs - burstMs) / speed;
        const wait = dueAt - performance.now();
        if (wait > 1) await sleep(wait);
        else await yieldToLoop();
        if (!this.live(run)) return;
      }
    }
    this.finishContent(run, 'completed');
  }

  /**
   * Whether the response would go over its `max_output_tokens` with `transcript` as the content in progress and
   * `audioMs` of audio in all (tokens as in its usage: text at 4 characters, audio at 50 ms a token).
   */
  private exceeds(run: Run, transcript: string, audioMs: number): boolean {
    if (run.maxOutputTokens === 'inf') return false;
    return run.outputTextTokens + tokensOfText(transcript) + Math.ceil(audioMs / 50) > run.maxOutputTokens;
  }

  /** Ends the response where `max_output_tokens` cut it: its content incomplete, the response `incomplete`. */
  private stopAtLimit(run: Run): void {
    this.finishContent(run, 'incomplete');
    this.finish(run, 'incomplete', { type: 'incomplete', reason: 'max_output_tokens' });
  }

  /** Ends the content in progress (normally or because the response was cancelled) with its done events. */
  private finishContent(run: Run, status: 'completed' | 'incomplete'): void {
    const progress = run.current;
    if (!progress) return;
    run.current = null;
    const { entry, outputIndex } = progress;
    const emit = this.options.emit;
    const ref = { response_id: run.id, item_id: entry.item.id, output_index: outputIndex, content_index: 0 };
    const text = progress.transcript;
    run.outputTextTokens += tokensOfText(text);
    if (progress.kind === 'audio') {
      emit({ type: 'response.output_audio.done', ...ref });
      emit({ type: 'response.output_audio_transcript.done', ...ref, transcript: text });
      emit({ type: 'response.content_part.done', ...ref, part: { type: 'audio', transcript: text } });
    } else {
      emit({ type: 'response.output_text.done', ...ref, text });
      emit({ type: 'response.content_part.done', ...ref, part: { type: 'text', text } });
    }
    if (entry.item.type === 'message') {
      entry.item.status = status;
      entry.item.content = [progress.kind === 'audio' ? { type: 'output_audio', transcript: text } : { type: 'output_text', text }];
    }
    this.options.conversation.capStoredAudio();
    this.finishOutputItem(run, entry, outputIndex);
  }

  private finish(run: Run, status: ServerResponse['status'], details: ServerResponse['status_details']): void {
    if (run.finished) return;
    run.finished = true;
    this.runs.delete(run);
    if (this.run === run) this.run = null;
    const outputAudioTokens = Math.ceil(run.outputAudioMs / 50);
    const images = run.imageTokens;
    const inputTokens = run.inputTokens + images.tokens;
    const usage: ServerUsage = {
      total_tokens: inputTokens + run.outputTextTokens + outputAudioTokens,
      input_tokens: inputTokens,
      output_tokens: run.outputTextTokens + outputAudioTokens,
      input_token_details: {
        text_tokens: run.inputTokens,
        audio_tokens: 0,
        image_tokens: images.tokens,
        cached_tokens: images.cached,
        cached_tokens_details: { text_tokens: 0, audio_tokens: 0, image_tokens: images.cached },
      },
      output_token_details: { text_tokens: run.outputTextTokens, audio_tokens: outputAudioTokens },
    };
    run.response.status = status;
    run.response.status_details = details;
    run.response.usage = usage;
    // A buffered output reports `output_audio_buffer.stopped` when the last queued frame has actually gone out.
    if (run.outputAudioMs > 0) this.options.output.end(run.id);
    this.options.emit({ type: 'response.done', response: structuredClone(run.response) });
    const heardMs = run.audioStartedAt < 0 ? 0 : performance.now() - run.audioStartedAt;
    this.options.finished?.({ response: run.response, conversation: run.conversation, playbackRemainingMs: Math.max(0, run.outputAudioMs - heardMs) });
    run.resolve(structuredClone(run.response));
  }
}
