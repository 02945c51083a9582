import { randomBytes } from 'node:crypto';
import { parseClientEvent, type ClientEvent } from '../../../plugin/shared/protocol/clientEvents.js';
import type { ServerEvent, ServerEventBody } from '../../../plugin/shared/protocol/serverEvents.js';
import type { PersonaMap } from '../../personas/loadPersonas.js';
import { SAMPLE_RATE_HZ, type SpeechToText, type TextToSpeech } from '../speech/types.js';
import type { AudioOutput } from './AudioOutput.js';
import { Conversation } from './Conversation.js';
import { InputAudioBuffer, type CommittedTurn } from './InputAudioBuffer.js';
import { PROTOCOL_ERRORS, errorEvent, type RealtimeError } from './protocolErrors.js';
import { IdleTimeout } from './IdleTimeout.js';
import { RateLimits } from './RateLimits.js';
import { ResponseRunner, type FinishedResponse } from './ResponseRunner.js';
import { SessionPersona } from './sessionPersona.js';
import { SessionState, type SessionKind, type WireSession } from './SessionState.js';

/** Options of {@link SessionEngine}. */
export interface SessionEngineOptions {
  /** Delivers one server event to the client (JSON-encode it for WebSocket / data channel). */
  send: (event: ServerEvent) => void;
  /** Where the assistant's audio goes: the transport's implementation of the port. */
  audioOutput: AudioOutput;
  tts: TextToSpeech;
  stt: SpeechToText;
  /** Current personas (read at every response so hot-reloaded personas apply). */
  personas: () => PersonaMap;
  /** Session config to start from (e.g. the one an `ek_` key was minted with). */
  initialSession?: Record<string, unknown>;
  /** The kind of session (default: the initial config's `type`); `?intent=transcription` asks for transcription. */
  kind?: SessionKind;
  /** Persona bound to the session's key. */
  personaId?: string;
  /** The session's model; fixed for its lifetime. */
  model: string;
  /** Audio sent at once at the start of a response before pacing starts (default 300 ms). */
  burstMs?: number;
  /** How much faster than real time audio is streamed after the burst (default 4). */
  speedFactor?: number;
  /**
   * Largest event the transport can carry (WebRTC: the data channel's message size). A retrieved item whose audio
   * would make it larger is sent without the audio bytes, with its transcript; anything else over it is dropped.
   */
  maxEventBytes?: number;
  /** Longest `session.instructions` accepted (default `DEFAULT_MAX_INSTRUCTIONS_CHARS`); longer gets an `error`. */
  maxInstructionsChars?: number;
  /** Longest text synthesized in one TTS call (default 300 characters); longer sentences are split. */
  maxUtteranceChars?: number;
  /**
   * Most audio bytes the conversation keeps (default `DEFAULT_MAX_STORED_AUDIO_BYTES`); over it the oldest items lose
   * their audio bytes and keep their transcripts.
   */
  maxStoredAudioBytes?: number;
  /** Diagnostic lines (never the console). */
  log?: (line: string) => void;
}

/** The client events a transcription session takes: its input audio, its config, and reading or deleting its items. */
const TRANSCRIPTION_EVENTS: ReadonlySet<ClientEvent['type']> = new Set([
  'session.update',
  'input_audio_buffer.append',
  'input_audio_buffer.commit',
  'input_audio_buffer.clear',
  'conversation.item.retrieve',
  'conversation.item.delete',
]);

/** Client events that end the silence the idle timeout waits for. */
const ACTIVITY_EVENTS: ReadonlySet<ClientEvent['type']> = new Set(['conversation.item.create', 'input_audio_buffer.commit', 'response.create']);

/** The caps an endpoint passes on to every engine it creates (WebSocket and WebRTC alike). */
export type EngineLimits = Pick<SessionEngineOptions, 'maxInstructionsChars' | 'maxUtteranceChars' | 'maxStoredAudioBytes'>;

/**
 * One emulated Realtime session, independent of the transport: feed it client JSON with {@link SessionEngine.receive}
 * (and raw PCM with {@link SessionEngine.appendAudio} from a media track) and it emits GA server events through
 * `send`. It dispatches the protocol to the session state, the conversation, the input audio buffer and the response
 * runner, which follow realtime-protocol.md §3.
 *
 * @example
 * const engine = new SessionEngine({ send: (e) => ws.send(JSON.stringify(e)), audioOutput: websocketAudioOutput, tts, stt, personas, model });
 * engine.start();
 * ws.on('message', (data) => engine.receive(String(data)));
 */
export class SessionEngine {
  private readonly options: SessionEngineOptions;
  private readonly state: SessionState;
  private readonly persona: SessionPersona;
  private readonly conversation: Conversation;
  private readonly input: InputAudioBuffer;
  private readonly responses: ResponseRunner;
  private readonly output: AudioOutput;
  private readonly idle: IdleTimeout;
  private readonly rateLimits = new RateLimits();
  private closed = false;
  private started = false;
  /** Client input that arrived while the open-vocabulary pass transcribed a turn: handled, in order, right after it. */
  private readonly held: (() => void)[] = [];
  private drainingAfter: Promise<void> | undefined;
  private readonly eventPrefix = `event_${randomBytes(6).toString('hex')}`;
  private eventCounter = 0;

  constructor(options: SessionEngineOptions) {
    this.options = options;
    this.output = options.audioOutput;
    const emit = (body: ServerEventBody): void => this.emit(body);
    this.state = new SessionState({
      model: options.model,
      ...(options.initialSession ? { initial: options.initialSession } : {}),
      ...(options.kind ? { kind: options.kind } : {}),
      ...(options.maxInstructionsChars !== undefined ? { maxInstructionsChars: options.maxInstructionsChars } : {}),
    });
    this.persona = new SessionPersona({ personas: options.personas, ...(options.personaId !== undefined ? { personaId: options.personaId } : {}) });
    this.conversation = new Conversation({
      emit,
      generating: () => this.responses.generating,
      ...(options.maxEventBytes !== undefined ? { maxEventBytes: options.maxEventBytes } : {}),
      ...(options.maxStoredAudioBytes !== undefined ? { maxStoredAudioBytes: options.maxStoredAudioBytes } : {}),
    });
    this.responses = new ResponseRunner({
      emit,
      conversation: this.conversation,
      session: () => this.state.view,
      persona: (instructions) => this.persona.current(instructions),
      tts: options.tts,
      output: this.output,
      ...(options.burstMs !== undefined ? { burstMs: options.burstMs } : {}),
      ...(options.speedFactor !== undefined ? { speedFactor: options.speedFactor } : {}),
      ...(options.maxUtteranceChars !== undefined ? { maxUtteranceChars: options.maxUtteranceChars } : {}),
      finished: (ended) => this.onResponseFinished(ended),
      ...(options.log ? { log: options.log } : {}),
    });
    this.idle = new IdleTimeout({
      inputPositionMs: () => this.input.positionMs,
      fire: (audioStartMs, audioEndMs) => this.onIdleTimeout(audioStartMs, audioEndMs),
    });
    this.input = new InputAudioBuffer({
      stt: options.stt,
      grammar: () => this.persona.current(this.state.view.instructions).grammar,
      hooks: {
        speechStarted: (itemId, audioStartMs) => this.onSpeechStarted(itemId, audioStartMs),
        speechStopped: (itemId, audioEndMs) => this.emit({ type: 'input_audio_buffer.speech_stopped', item_id: itemId, audio_end_ms: audioEndMs }),
        committed: (turn) => this.onTurn(turn),
      },
      ...(options.log ? { log: options.log } : {}),
    });
  }

  /** The current effective session config (GA shape). */
  get config(): Readonly<WireSession> {
    return this.state.wire;
  }

  /** Whether a response is being generated (its audio may be waiting for synthesis, with nothing sent meanwhile). */
  get responding(): boolean {
    return this.responses.busy;
  }

  /** Sends `session.created`; call once when the transport is open. */
  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    this.emit({ type: 'session.created', session: this.state.snapshot() });
    this.input.configure(this.state.view.turnDetection);
    this.warmUp();
  }

  /** Handles one client message (a JSON text frame); never throws. */
  receive(text: string): void {
    this.inOrder(() => this.receiveNow(text));
  }

  private receiveNow(text: string): void {
    try {
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (error) {
        this.fail(PROTOCOL_ERRORS.invalidJson((error as Error).message), null);
        return;
      }
      const parsed = parseClientEvent(json);
      if (!parsed.ok) {
        this.fail(PROTOCOL_ERRORS.rejectedEvent(parsed), parsed.eventId);
        return;
      }
      this.dispatch(parsed.event);
    } catch (error) {
      this.internalError(error);
    }
  }

  /** Appends PCM16 24 kHz input audio directly (a media track's incoming audio); never throws. */
  appendAudio(pcm: Int16Array): void {
    this.inOrder(() => {
      try {
        this.input.appendPcm(pcm);
      } catch (error) {
        this.internalError(error);
      }
    });
  }

  /**
   * Runs client input now, or holds it while a committed turn is still being transcribed by the open-vocabulary pass:
   * a `response.create` sent right after a push-to-talk commit must answer that turn, as with a synchronous recognizer.
   */
  private inOrder(work: () => void): void {
    if (this.closed) return;
    if (this.input.pending || this.held.length > 0) this.held.push(work);
    else work();
    this.drainWhenTranscribed();
  }

  private drainWhenTranscribed(): void {
    const pending = this.input.pending;
    if (!pending || this.drainingAfter === pending) return;
    this.drainingAfter = pending;
    void pending.then(() => {
      this.drainingAfter = undefined;
      while (!this.closed && !this.input.pending && this.held.length > 0) this.held.shift()?.();
      if (this.closed) this.held.length = 0;
      this.drainWhenTranscribed();
    });
  }

  /** A buffered audio output reports that the first frame of a response's audio went out. */
  outputAudioStarted(responseId: string): void {
    this.emit({ type: 'output_audio_buffer.started', response_id: responseId });
  }

  /** A buffered audio output reports that the last frame of a response's audio went out. */
  outputAudioStopped(responseId: string): void {
    this.emit({ type: 'output_audio_buffer.stopped', response_id: responseId });
  }

  /** A phone caller pressed a key (SIP, RFC 4733): reported as `input_audio_buffer.dtmf_event_received`, as the service does. */
  dtmfReceived(key: string): void {
    this.emit({ type: 'input_audio_buffer.dtmf_event_received', event: key, received_at: Math.floor(Date.now() / 1000) });
  }

  /** Stops all work; later calls do nothing and nothing more is sent. Safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.idle.disarm();
    this.responses.close();
    this.input.close();
  }

  private dispatch(event: ClientEvent): void {
    const eventId = event.event_id ?? null;
    const report = (error: RealtimeError | null): void => {
      if (error) this.fail(error, eventId);
    };
    if (this.state.kind === 'transcription' && !TRANSCRIPTION_EVENTS.has(event.type)) return report(PROTOCOL_ERRORS.notInTranscriptionSession(event.type));
    // The player (or the game) is active: the idle timeout counts again from the next response.
    if (ACTIVITY_EVENTS.has(event.type)) this.idle.disarm();
    switch (event.type) {
      case 'session.update':
        return this.onSessionUpdate(event.session, eventId);
      case 'input_audio_buffer.append':
        return report(this.input.append(event.audio, this.state.view.inputFormat));
      case 'input_audio_buffer.commit':
        return report(this.input.commit());
      case 'input_audio_buffer.clear':
        this.input.clear();
        this.emit({ type: 'input_audio_buffer.cleared' });
        return;
      case 'conversation.item.create':
        return report(this.conversation.create(event.item, event.previous_item_id));
      case 'conversation.item.retrieve':
        return report(this.conversation.retrieve(event.item_id));
      case 'conversation.item.truncate':
        // Truncating the item still being spoken ends that response first, as the service does.
        return report(this.conversation.truncate(event.item_id, event.content_index, event.audio_end_ms, () => this.responses.cancel('client_cancelled')));
      case 'conversation.item.delete':
        return report(this.conversation.delete(event.item_id));
      case 'response.create': {
        const created = this.responses.create(event.response);
        return report(created.ok ? null : created.error);
      }
      case 'response.cancel': {
        // Without an id it cancels the conversation's response, as the service does; an id may name an out-of-band one.
        const active = event.response_id === undefined ? this.responses.active : this.responses.find(event.response_id);
        if (!active) return report(PROTOCOL_ERRORS.cancelNotActive(event.response_id));
        active.cancel('client_cancelled');
        return;
      }
      case 'output_audio_buffer.clear':
        return report(this.onOutputClear());
    }
  }

  private emit(body: ServerEventBody): void {
    if (this.closed) return;
    const event = { ...body, event_id: `${this.eventPrefix}${(this.eventCounter++).toString(36)}` } as ServerEvent;
    try {
      this.options.send(event);
    } catch (error) {
      this.options.log?.(`emulator: send failed: ${(error as Error).message}`);
    }
  }

  private fail(error: RealtimeError, eventId: string | null): void {
    this.emit(errorEvent(error, eventId));
  }

  private internalError(error: unknown): void {
    this.options.log?.(`emulator: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    this.fail(PROTOCOL_ERRORS.internal(), null);
  }

  private onSessionUpdate(patch: Extract<ClientEvent, { type: 'session.update' }>['session'], eventId: string | null): void {
    const refused = this.state.update(patch, this.responses.audioProduced);
    if (refused) {
      this.fail(refused, eventId);
      return;
    }
    this.input.configure(this.state.view.turnDetection);
    if (this.state.view.turnDetection?.idleTimeoutMs == null) this.idle.disarm();
    this.warmUp();
    this.emit({ type: 'session.updated', session: this.state.snapshot() });
  }

  /**
   * Synthesizes the persona's lines ahead of time. Skipped for a session bound to no persona before the client's
   * first update: the SDK sends its instructions right after `session.created`.
   */
  private warmUp(): void {
    // A transcription session never speaks.
    if (this.state.kind === 'transcription') return;
    try {
      const instructions = this.state.view.instructions;
      if (this.persona.current(instructions).generic && !this.state.updatedByClient) return;
      this.persona.warmUp(instructions, this.options.tts, (line) => this.responses.utterances(line));
    } catch (error) {
      this.options.log?.(`emulator: warm-up failed: ${(error as Error).message}`);
    }
  }

  private onSpeechStarted(itemId: string, audioStartMs: number): void {
    this.idle.disarm();
    this.emit({ type: 'input_audio_buffer.speech_started', item_id: itemId, audio_start_ms: audioStartMs });
    const td = this.state.view.turnDetection;
    if (!td?.interruptResponse) return;
    const cancelled = this.responses.cancel('turn_detected');
    // A buffered output may still be playing a response that finished generating: stop the audio too.
    if (this.output.buffered) this.clearOutputAudio(cancelled, false);
  }

  private onTurn(turn: CommittedTurn): void {
    const entry = this.conversation.addUserAudio(turn.itemId, turn.pcm, turn.heard, (previous) =>
      this.emit({ type: 'input_audio_buffer.committed', item_id: turn.itemId, previous_item_id: previous }),
    );
    const view = this.state.view;
    if (view.transcribes) this.conversation.transcribe(entry, turn.heard, turn.pcm.length / SAMPLE_RATE_HZ, { logprobs: view.transcriptionLogprobs });
    if (view.kind === 'realtime' && turn.detected && view.turnDetection?.createResponse && !this.responses.active) this.responses.create(undefined);
  }

  /** After every `response.done`: the rate limits, and the idle timeout's wait after a conversation response. */
  private onResponseFinished(ended: FinishedResponse): void {
    this.emit(this.rateLimits.record(ended.response.usage?.total_tokens ?? 0));
    const idleMs = this.state.view.turnDetection?.idleTimeoutMs;
    if (ended.conversation && idleMs != null && this.state.kind === 'realtime') this.idle.arm(idleMs, ended.playbackRemainingMs);
  }

  /**
   * The player said nothing for `idle_timeout_ms` after the NPC's audio: the silent audio is committed as a user item
   * and the NPC prompts the player, as the service does.
   */
  private onIdleTimeout(audioStartMs: number, audioEndMs: number): void {
    if (this.closed || this.responses.active || this.input.inSpeech || this.input.pending) return;
    const turn = this.input.commitSilence();
    this.emit({ type: 'input_audio_buffer.timeout_triggered', item_id: turn.itemId, audio_start_ms: audioStartMs, audio_end_ms: audioEndMs });
    const entry = this.conversation.addUserAudio(turn.itemId, turn.pcm, turn.heard, (previous) =>
      this.emit({ type: 'input_audio_buffer.committed', item_id: turn.itemId, previous_item_id: previous }),
    );
    const view = this.state.view;
    if (view.transcribes) this.conversation.transcribe(entry, '', turn.pcm.length / SAMPLE_RATE_HZ, { logprobs: view.transcriptionLogprobs });
    this.responses.create(undefined, { idleTimeout: true });
  }

  private onOutputClear(): RealtimeError | null {
    if (!this.output.buffered) return PROTOCOL_ERRORS.outputClearUnsupported();
    const cancelled = this.responses.cancel('client_cancelled');
    this.clearOutputAudio(cancelled, true);
    return null;
  }

  /**
   * Cuts a buffered output off and truncates the item being heard at the position actually played, as the service
   * does by itself over WebRTC; then reports `output_audio_buffer.cleared`.
   */
  private clearOutputAudio(cancelled: string | null, always: boolean): void {
    const played = this.output.clear();
    if (!played && cancelled === null && !always) return;
    if (played) this.conversation.truncateAtPlayback(played);
    this.emit({ type: 'output_audio_buffer.cleared', response_id: played?.responseId ?? cancelled ?? '' });
  }
}
