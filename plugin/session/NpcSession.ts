import type { RealtimeSession, RealtimeTransportLayer } from '@openai/agents-realtime';
import type { VoiceOutput } from '../audioBackend.js';
import { MintError, NpcSessionError, NpcVoiceError, messageOf } from '../errors.js';
import { concatPcm16, pcm16Bytes } from '../shared/pcm16.js';
import type { Persona } from '../shared/personaSchema.js';
import { buildInstructions } from '../shared/sessionConfig.js';
import type { GameTool, GameToolContext } from '../tools/defineGameTool.js';
import type { ToolRunResult } from '../tools/runGameTool.js';
import type { ConversationLine, NpcState, NpcUsage } from '../types.js';
import { DEFAULT_BACKOFF, backoffDelayMs, type BackoffOptions } from './backoff.js';
import type { RealtimeSdk } from './loadRealtimeSdk.js';
import type { EphemeralKey } from './mintClient.js';
import type { WebRtcHandle } from './realtimeSdk.js';
import { WebRtcInput } from './WebRtcInput.js';
import { instructionsWithMemory, isPushToTalk } from './sessionOptions.js';

/** Which transport a session uses. */
export type TransportKind = 'websocket' | 'webrtc';

/** Callbacks through which a session reports to its binding (which turns them into plugin events). */
export interface NpcSessionListener {
  state(state: NpcState, previous: NpcState): void;
  playerTranscript(text: string, final: boolean): void;
  npcTranscriptDelta(delta: string): void;
  npcTranscript(text: string): void;
  speaking(speaking: boolean): void;
  toolStart(toolName: string, args: unknown): void;
  toolEnd(toolName: string, result: ToolRunResult): void;
  usage(usage: NpcUsage): void;
  error(error: NpcVoiceError): void;
}

/** Microphone tracks for WebRTC sessions (each session sends its own clone). */
export interface MicTrackSource {
  /** A new clone of the microphone track, or null while the mic is not open. */
  cloneTrack(): MediaStreamTrack | null;
  /** A silent track to send until the microphone opens. */
  placeholderTrack(): MediaStreamTrack | null;
  /** Settles once a placeholder track and the NPC's voice can be made (the audio layer is up, or failed). */
  ready?(): Promise<void>;
}

/** Everything a session needs, injected so it runs in Node with a scripted transport. */
export interface NpcSessionOptions {
  persona: () => Persona;
  mint: (personaId: string) => Promise<EphemeralKey>;
  loadSdk: () => Promise<RealtimeSdk>;
  transport: TransportKind;
  voice: () => VoiceOutput | null;
  /** The game tools this NPC may use (already filtered by the persona's allowlist). */
  tools: () => readonly GameTool[];
  toolContext: () => GameToolContext;
  listener: NpcSessionListener;
  mic?: MicTrackSource;
  /** Replaces the real transport (tests: `ScriptedRealtimeTransport`). */
  createTransport?: () => RealtimeTransportLayer;
  backoff?: BackoffOptions;
  random?: () => number;
}

type Connection =
  | { status: 'idle' }
  | { status: 'connecting'; attempt: number }
  | { status: 'live'; attempt: number; live: LiveParts }
  | { status: 'backoff'; attempt: number; timer: ReturnType<typeof setTimeout> }
  | { status: 'failed'; untilMs: number }
  | { status: 'closed' };

interface LiveParts {
  sdk: RealtimeSdk;
  session: RealtimeSession;
  rtc: WebRtcHandle | null;
  /** WebRTC: the call sends a silent placeholder because the microphone was not open yet. */
  placeholderMic: boolean;
  /** WebRTC: how the player's voice reaches the server (data channel, then the track, then the commit). */
  input: WebRtcInput | null;
  detach: () => void;
}

/** Audio shorter than this is not committed: the API rejects a commit of less than 100 ms with an error. */
const MIN_COMMIT_MS = 100;
const SAMPLES_PER_MS = 24;
/**
 * The player's voice kept while the connection opens (they pressed push-to-talk as they walked up), sent first once
 * it is up. Older audio beyond this is dropped.
 */
export const MAX_EARLY_AUDIO_MS = 10_000;

/**
 * One NPC's Realtime connection: mints a key, opens a `RealtimeSession` with the persona's agent, feeds audio to
 * the NPC's voice, reports transcripts and tool calls, and reconnects with backoff after an unexpected drop.
 * Phaser-free. Every async step checks an attempt token, so a close (or newer attempt) makes stale work a no-op.
 */
export class NpcSession {
  private conn: Connection = { status: 'idle' };
  private attemptSeq = 0;
  private retries = 0;
  private speaking = false;
  private responding = false;
  private lastState: NpcState = 'idle';
  private micEnabled = false;
  private uncommittedSamples = 0;
  private readonly pendingTexts: string[] = [];
  /** The player's last words (typed, or a spoken turn's transcript) that the NPC has not finished answering. */
  private unanswered: string | null = null;
  /** Words whose answer a dropped connection cut off: asked again, once, as soon as the new connection is up. */
  private askAgain: string | null = null;
  /** Microphone audio that arrived before the connection was up, and whether its turn already ended. */
  private readonly earlyAudio: Int16Array[] = [];
  private earlySamples = 0;
  private earlyCommit = false;
  private readonly playerPartial = new Map<string, string>();
  private npcPartial = '';
  private readonly lines: ConversationLine[] = [];
  private voiceListener: ((speaking: boolean) => void) | null = null;
  /** A persona update being sent (`updateAgent` is async); text said meanwhile waits for it. */
  private updating: Promise<void> | null = null;

  constructor(private readonly options: NpcSessionOptions) {}

  /** The binding-level state. */
  get state(): NpcState {
    return this.lastState;
  }

  /** Whether a connection is open, being opened, or waiting to retry (the live-session policy counts these). */
  get active(): boolean {
    const s = this.conn.status;
    return s === 'connecting' || s === 'live' || s === 'backoff';
  }

  /**
   * Whether the player's typed words or a finished spoken turn wait to be sent (the connection is being opened, or
   * a persona update is applying).
   */
  get hasPendingInput(): boolean {
    return this.pendingTexts.length > 0 || this.earlyCommit || this.askAgain !== null;
  }

  /** Whether the session is connected now. */
  get live(): boolean {
    return this.conn.status === 'live';
  }

  /** The conversation so far (kept across reconnects). */
  get history(): readonly ConversationLine[] {
    return this.lines;
  }

  /** Whether this NPC waits for the app to commit the player's audio (push-to-talk persona). */
  get pushToTalk(): boolean {
    return isPushToTalk(this.options.persona());
  }

  /** The underlying SDK session while live (escape hatch for advanced use and tests). */
  get realtimeSession(): RealtimeSession | null {
    return this.conn.status === 'live' ? this.conn.live.session : null;
  }

  /**
   * Connects unless already connected or connecting. After retries were exhausted, `open()` is ignored until the
   * cool-down ends unless `force` (the player explicitly talks to the NPC).
   */
  open(force = false): void {
    const c = this.conn;
    if (c.status === 'closed' || c.status === 'connecting' || c.status === 'live') return;
    if (c.status === 'failed' && !force && Date.now() < c.untilMs) return;
    if (c.status === 'backoff') {
      if (!force) return;
      clearTimeout(c.timer);
    }
    this.retries = 0;
    void this.connect();
  }

  /** Closes the connection on purpose (idle, out of range). Keeps the history. Idempotent. */
  close(): void {
    if (this.conn.status === 'closed') return;
    this.teardownConnection();
    this.dropEarlyAudio();
    this.askAgain = null;
    this.conn = { status: 'idle' };
    this.refreshState();
  }

  /** Closes for good; the session cannot be reopened. Idempotent. */
  destroy(): void {
    if (this.conn.status === 'closed') return;
    this.teardownConnection();
    this.conn = { status: 'closed' };
    this.pendingTexts.length = 0;
    this.askAgain = null;
    this.dropEarlyAudio();
    this.refreshState();
  }

  /** Sends the player's typed words; connects first if needed (the text waits for the connection). */
  say(text: string): void {
    if (this.conn.status === 'closed') return;
    const trimmed = text.trim();
    if (!trimmed) return;
    if (this.conn.status !== 'live') {
      this.pendingTexts.push(trimmed);
      this.open(true);
      return;
    }
    if (this.updating) {
      // Otherwise the text would overtake the session.update and be answered by the old persona.
      this.pendingTexts.push(trimmed);
      return;
    }
    this.sendText(this.conn.live, trimmed);
  }

  /** Stops the NPC mid-sentence: cancels the response, truncates what was not heard, silences the voice. */
  interrupt(): void {
    if (this.conn.status !== 'live') return;
    const { session } = this.conn.live;
    this.guard(() => {
      const hadAudio = this.speaking;
      session.interrupt();
      // The WebSocket transport's interrupt() is a no-op before the first audio delta; cancel explicitly then.
      if (!hadAudio && this.responding && this.options.transport === 'websocket') {
        session.transport.sendEvent({ type: 'response.cancel' });
      }
    });
    this.options.voice()?.stop();
    this.setSpeaking(false);
  }

  /**
   * Streams microphone audio. While the connection is still opening the audio is kept (up to
   * {@link MAX_EARLY_AUDIO_MS}) and sent first once it is up, on either transport. Over WebRTC the track carries
   * the voice; the PCM only goes over the data channel until the track carries the microphone (see WebRtcInput).
   */
  sendAudio(pcm: Int16Array): void {
    if (pcm.length === 0) return;
    const status = this.conn.status;
    if (status === 'connecting' || status === 'backoff') {
      this.keepEarlyAudio(pcm);
      return;
    }
    if (this.conn.status !== 'live') return;
    const live = this.conn.live;
    if (live.input) live.input.audio(pcm);
    else if (this.options.transport === 'websocket') this.appendAudio(live.session, pcm);
  }

  /** The player pressed push-to-talk: barge in on the NPC and start a fresh input buffer. */
  beginTurn(): void {
    // Pressed again while the last release still waits for its audio: the same turn goes on.
    if (this.conn.status === 'live' && this.pushToTalk && this.conn.live.input?.beginTurn()) return;
    if (this.speaking || this.responding) this.interrupt();
    if (this.conn.status !== 'live') this.dropEarlyAudio();
    if (this.conn.status !== 'live' || !this.pushToTalk) return;
    const { session } = this.conn.live;
    this.uncommittedSamples = 0;
    this.guard(() => session.transport.sendEvent({ type: 'input_audio_buffer.clear' }));
  }

  /**
   * The player released push-to-talk. With turn detection off the server neither commits nor answers by itself,
   * so commit the buffer and request a response (the SDK sequences `response.create` for us).
   */
  endTurn(): void {
    if (!this.pushToTalk) return;
    if (this.conn.status !== 'live') {
      // Committed as soon as the connection is up, after the audio kept meanwhile.
      if (this.earlySamples > 0) this.earlyCommit = true;
      return;
    }
    const live = this.conn.live;
    if (live.input) {
      // Commits (commitTurn) once the words spoken before the release have crossed the media path.
      live.input.endTurn();
      return;
    }
    // A scripted WebRTC transport (tests) has no input buffer of ours to measure.
    const tooShort = this.options.transport === 'websocket' && this.uncommittedSamples < MIN_COMMIT_MS * SAMPLES_PER_MS;
    this.uncommittedSamples = 0;
    if (tooShort) {
      this.guard(() => live.session.transport.sendEvent({ type: 'input_audio_buffer.clear' }));
      return;
    }
    this.commitTurn(live.session);
  }

  /** Commits the input buffer and asks for the answer (with turn detection off the server does neither itself). */
  private commitTurn(session: RealtimeSession): void {
    this.uncommittedSamples = 0;
    this.guard(() => {
      session.transport.sendEvent({ type: 'input_audio_buffer.commit' });
      this.requestResponse(session);
    });
    this.setResponding(true);
  }

  /** Enables this session's microphone track (WebRTC) — only the addressed NPC hears the player. */
  setMicEnabled(enabled: boolean): void {
    this.micEnabled = enabled;
    if (this.conn.status === 'live') this.conn.live.input?.setEnabled(enabled);
  }

  /** The microphone opened: replace the WebRTC placeholder with a clone of it. */
  micOpened(): void {
    if (this.conn.status === 'live') this.useMicTrack(this.conn.live);
  }

  /** Voice input was turned off: a WebRTC call stops its microphone clone and sends a silent placeholder. */
  micClosed(): void {
    if (this.conn.status !== 'live') return;
    const parts = this.conn.live;
    if (!parts.rtc || parts.placeholderMic) return;
    const placeholder = this.options.mic?.placeholderTrack();
    if (!placeholder) return;
    parts.placeholderMic = true;
    parts.input?.trackReady(false);
    void parts.rtc.setMicTrack(placeholder);
  }

  /**
   * Swaps a WebRTC call's placeholder for a clone of the microphone, once both exist. Until the call really sends
   * the clone, the microphone's PCM is kept by the WebRtcInput (and sent over the data channel at the next pause).
   */
  private useMicTrack(parts: LiveParts): void {
    if (!parts.rtc || !parts.placeholderMic) return;
    const clone = this.options.mic?.cloneTrack();
    if (!clone) return;
    parts.placeholderMic = false;
    void parts.rtc.setMicTrack(clone).then((sent) => {
      if (sent && !parts.placeholderMic) parts.input?.trackReady(true);
    });
  }

  /** Applies a new persona to the live session (`updateAgent`); a voice change applies from the next session. */
  applyPersona(): void {
    if (this.conn.status !== 'live') return;
    const { sdk, session } = this.conn.live;
    const attempt = this.conn.attempt;
    const agent = this.buildAgent(sdk);
    const updating = session
      .updateAgent(agent)
      .then(
        () => {},
        (err: unknown) => this.report(new NpcSessionError('persona_update_failed', `could not update the persona: ${messageOf(err)}`, { cause: err })),
      )
      .finally(() => {
        if (this.updating !== updating) return;
        this.updating = null;
        // Text said while the update was on its way goes out now, after it (same connection only).
        if (this.conn.status === 'live' && this.conn.attempt === attempt) {
          const live = this.conn.live;
          for (const text of this.pendingTexts.splice(0)) this.sendText(live, text);
        }
      });
    this.updating = updating;
  }

  private async connect(): Promise<void> {
    const attempt = ++this.attemptSeq;
    this.conn = { status: 'connecting', attempt };
    this.refreshState();
    const persona = this.options.persona();
    let parts: LiveParts | null = null;
    try {
      // WebRTC needs the audio layer first: for a placeholder track, and for the voice the remote stream plays on.
      const audioReady = this.options.transport === 'webrtc' ? this.options.mic?.ready?.() : undefined;
      const [sdk, key] = await Promise.all([this.options.loadSdk(), this.options.mint(persona.id), audioReady]);
      if (!this.isCurrent(attempt)) return;
      parts = this.createParts(sdk, key);
      const url = this.options.transport === 'webrtc' ? webRtcCallsUrl(key.url) : key.url;
      await parts.session.connect({ apiKey: key.value, url });
      if (!this.isCurrent(attempt)) {
        disposeParts(parts);
        return;
      }
      this.conn = { status: 'live', attempt, live: parts };
      this.retries = 0;
      this.setResponding(false);
      // Words spoken while connecting go first (over WebRTC too: the data channel takes appends), then the track.
      this.flushEarlyAudio(parts);
      if (parts.input) {
        parts.input.setEnabled(this.micEnabled);
        // The call was set up with a clone of the open mic: the track already carries the player's voice.
        if (!parts.placeholderMic) parts.input.trackReady(true);
      }
      // The microphone may have opened while the call was being set up (the player pressed to talk meanwhile).
      this.useMicTrack(parts);
      this.refreshState();
      const again = this.askAgain;
      this.askAgain = null;
      if (again !== null) {
        // Already in the history (and in the new session's memory): sent, not recorded twice.
        const { session } = parts;
        this.unanswered = again;
        this.guard(() => session.sendMessage(again));
        this.setResponding(true);
      }
      const texts = this.pendingTexts.splice(0);
      for (const text of texts) this.sendText(parts, text);
    } catch (err) {
      if (parts) disposeParts(parts);
      if (!this.isCurrent(attempt)) return;
      const error =
        err instanceof NpcVoiceError ? err : new NpcSessionError('connect_failed', `could not connect: ${messageOf(err)}`, { cause: err });
      this.report(error);
      this.scheduleReconnect(error instanceof MintError ? error.retryAfterMs : null);
    }
  }

  private createParts(sdk: RealtimeSdk, key: EphemeralKey): LiveParts {
    const persona = this.options.persona();
    let rtc: WebRtcHandle | null = null;
    let placeholderMic = false;
    let transport: RealtimeTransportLayer;
    if (this.options.createTransport) {
      transport = this.options.createTransport();
    } else if (this.options.transport === 'webrtc') {
      const clone = this.options.mic?.cloneTrack() ?? null;
      placeholderMic = clone === null;
      const track = clone ?? this.options.mic?.placeholderTrack() ?? null;
      if (!track) throw new NpcSessionError('no_audio_track', 'WebRTC needs a microphone or an AudioContext for a placeholder track');
      rtc = sdk.createWebRtcTransport(track, (stream) => this.options.voice()?.attachStream(stream));
      transport = rtc.transport;
    } else {
      transport = sdk.createWebSocketTransport(() => this.options.voice());
    }
    const session = sdk.createSession(this.buildAgent(sdk), transport, persona, key.model);
    const parts: LiveParts = { sdk, session, rtc, placeholderMic, input: null, detach: () => {} };
    if (rtc) {
      const call = rtc;
      parts.input = new WebRtcInput({
        append: (pcm) => this.appendAudio(session, pcm),
        setTrackEnabled: (on) => call.setMicEnabled(on),
        commit: () => this.commitTurn(session),
        roundTripMs: () => call.roundTripMs(),
      });
    }
    const detach = this.attach(sdk, session, transport);
    parts.detach = () => {
      detach();
      // The call's remote stream goes with it (a voice that kept it would keep its audio node alive).
      if (rtc) this.options.voice()?.attachStream(null);
    };
    return parts;
  }

  private buildAgent(sdk: RealtimeSdk) {
    const persona = this.options.persona();
    const ctx = this.options.toolContext();
    const hooks = {
      onStart: (name: string, args: unknown) => this.options.listener.toolStart(name, args),
      onEnd: (name: string, result: ToolRunResult) => this.options.listener.toolEnd(name, result),
    };
    const tools = this.options.tools().map((t) => sdk.toSdkTool(t, ctx, hooks));
    const instructions = instructionsWithMemory(buildInstructions(persona), persona, this.lines);
    return sdk.createNpcAgent(persona, instructions, tools);
  }

  private attach(sdk: RealtimeSdk, session: RealtimeSession, transport: RealtimeTransportLayer): () => void {
    const onTransportEvent = (event: unknown) => this.onServerEvent(event, sdk);
    const onAgentStart = () => this.setResponding(true);
    const onAgentEnd = () => this.setResponding(false);
    const onAudioStart = () => {
      if (!this.options.voice()) this.setSpeaking(true);
    };
    const onAudioStopped = () => {
      if (!this.options.voice()) this.setSpeaking(false);
    };
    const onInterrupted = () => {
      this.options.voice()?.stop();
      this.setSpeaking(false);
    };
    const onError = (e: { error: unknown }) => {
      // A cancel that crossed the response's own `response.done` on the wire: the answer already ended, as wanted.
      const api = sdk.transportEvents.ApiErrorEvent.safeParse(e.error);
      if (api.success && api.data.error.code === 'response_cancel_not_active') return;
      this.report(new NpcSessionError('realtime_error', realtimeErrorMessage(api.success ? api.data.error : null, e.error), { cause: e.error }));
    };
    const onConnection = (status: string) => {
      if (status === 'disconnected') this.onDropped(transport);
    };
    const voice = this.options.voice();
    const onVoiceSpeaking = (on: boolean) => this.setSpeaking(on);
    session.on('transport_event', onTransportEvent);
    session.on('agent_start', onAgentStart);
    session.on('agent_end', onAgentEnd);
    session.on('audio_start', onAudioStart);
    session.on('audio_stopped', onAudioStopped);
    session.on('audio_interrupted', onInterrupted);
    session.on('error', onError);
    transport.on('connection_change', onConnection);
    // WebSocket: the player knows when audio is really heard. WebRTC: output_audio_buffer.* events (see below).
    if (voice && this.options.transport === 'websocket') {
      voice.on('speaking', onVoiceSpeaking);
      this.voiceListener = onVoiceSpeaking;
    }
    return () => {
      session.off('transport_event', onTransportEvent);
      session.off('agent_start', onAgentStart);
      session.off('agent_end', onAgentEnd);
      session.off('audio_start', onAudioStart);
      session.off('audio_stopped', onAudioStopped);
      session.off('audio_interrupted', onInterrupted);
      session.off('error', onError);
      transport.off('connection_change', onConnection);
      if (voice && this.voiceListener) {
        voice.off('speaking', this.voiceListener);
        this.voiceListener = null;
      }
    };
  }

  private onServerEvent(event: unknown, sdk: RealtimeSdk): void {
    const { EventType, InputDelta, InputDone, OutputDelta, OutputAudioDone, OutputTextDone, ResponseDone } = sdk.transportEvents;
    const typed = EventType.safeParse(event);
    if (!typed.success) return;
    const l = this.options.listener;
    switch (typed.data.type) {
      case 'conversation.item.input_audio_transcription.delta': {
        const e = InputDelta.safeParse(event);
        if (!e.success) return;
        const text = (this.playerPartial.get(e.data.item_id) ?? '') + e.data.delta;
        this.playerPartial.set(e.data.item_id, text);
        l.playerTranscript(text, false);
        return;
      }
      case 'conversation.item.input_audio_transcription.completed': {
        const e = InputDone.safeParse(event);
        if (!e.success) return;
        this.playerPartial.delete(e.data.item_id);
        const text = e.data.transcript.trim();
        if (text) {
          this.lines.push({ role: 'player', text });
          this.unanswered = text;
        }
        l.playerTranscript(text, true);
        return;
      }
      case 'response.output_audio_transcript.delta':
      case 'response.output_text.delta': {
        const e = OutputDelta.safeParse(event);
        if (!e.success) return;
        this.npcPartial += e.data.delta;
        l.npcTranscriptDelta(e.data.delta);
        return;
      }
      case 'response.output_audio_transcript.done':
      case 'response.output_text.done': {
        const a = OutputAudioDone.safeParse(event);
        const t = OutputTextDone.safeParse(event);
        const text = (a.success ? a.data.transcript : t.success ? t.data.text : this.npcPartial).trim();
        this.npcPartial = '';
        if (text) this.lines.push({ role: 'npc', text });
        this.unanswered = null;
        l.npcTranscript(text);
        return;
      }
      case 'response.done': {
        const e = ResponseDone.safeParse(event);
        const u = e.success ? e.data.response.usage : null;
        if (u) l.usage({ inputTokens: u.input_tokens, outputTokens: u.output_tokens, totalTokens: u.total_tokens });
        return;
      }
      case 'output_audio_buffer.started':
        if (this.options.transport === 'webrtc') this.setSpeaking(true);
        return;
      case 'output_audio_buffer.stopped':
      case 'output_audio_buffer.cleared':
        if (this.options.transport === 'webrtc') this.setSpeaking(false);
        return;
      default:
        return;
    }
  }

  private onDropped(transport: RealtimeTransportLayer): void {
    const c = this.conn;
    // Only an unexpected drop of the current connection reconnects; our own close() detached first.
    if (c.status !== 'live' || c.live.session.transport !== transport) return;
    this.report(new NpcSessionError('connection_lost', 'the Realtime connection dropped; reconnecting'));
    this.askAgain = this.unanswered;
    this.teardownConnection();
    this.scheduleReconnect(null);
  }

  private scheduleReconnect(retryAfterMs: number | null): void {
    const backoff = this.options.backoff ?? DEFAULT_BACKOFF;
    this.retries++;
    if (this.retries > backoff.maxAttempts) {
      this.conn = { status: 'failed', untilMs: Date.now() + backoff.maxMs };
      this.report(new NpcSessionError('retries_exhausted', `gave up after ${backoff.maxAttempts} attempts to connect`));
      this.refreshState();
      return;
    }
    const delay = backoffDelayMs(this.retries, backoff, retryAfterMs, this.options.random);
    const attempt = ++this.attemptSeq;
    const timer = setTimeout(() => {
      if (this.isCurrent(attempt)) void this.connect();
    }, delay);
    this.conn = { status: 'backoff', attempt, timer };
    this.refreshState();
  }

  private appendAudio(session: RealtimeSession, pcm: Int16Array): void {
    // pcm16Bytes returns a fresh little-endian copy, so its buffer is exactly these samples.
    const bytes = pcm16Bytes(pcm);
    this.uncommittedSamples += pcm.length;
    this.guard(() => session.sendAudio(bytes.buffer as ArrayBuffer));
  }

  private keepEarlyAudio(pcm: Int16Array): void {
    this.earlyAudio.push(pcm.slice());
    this.earlySamples += pcm.length;
    const max = MAX_EARLY_AUDIO_MS * SAMPLES_PER_MS;
    while (this.earlySamples > max && this.earlyAudio.length > 1) this.earlySamples -= this.earlyAudio.shift()?.length ?? 0;
  }

  private dropEarlyAudio(): void {
    this.earlyAudio.length = 0;
    this.earlySamples = 0;
    this.earlyCommit = false;
  }

  private flushEarlyAudio(live: LiveParts): void {
    const commit = this.earlyCommit;
    const chunks = this.earlyAudio.splice(0);
    this.dropEarlyAudio();
    if (chunks.length === 0) return;
    if (live.input) {
      // Sent at the player's next pause, in ≤ 500 ms appends (one big append could exceed the data channel's limit).
      live.input.prepend(chunks, commit && this.pushToTalk);
      return;
    }
    this.appendAudio(live.session, concatPcm16(chunks));
    if (commit) this.endTurn();
  }

  private teardownConnection(): void {
    const c = this.conn;
    // Bumping the token turns any in-flight connect into a no-op when its awaits return.
    this.attemptSeq++;
    this.updating = null;
    if (c.status === 'backoff') clearTimeout(c.timer);
    if (c.status === 'live') disposeParts(c.live);
    this.options.voice()?.stop();
    this.setSpeaking(false);
    this.responding = false;
    this.uncommittedSamples = 0;
    this.npcPartial = '';
    this.unanswered = null;
    this.playerPartial.clear();
  }

  private isCurrent(attempt: number): boolean {
    const c = this.conn;
    return (c.status === 'connecting' || c.status === 'backoff' || c.status === 'live') && c.attempt === attempt && this.attemptSeq === attempt;
  }

  private sendText(parts: LiveParts, text: string): void {
    if (this.speaking || this.responding) this.interrupt();
    this.lines.push({ role: 'player', text });
    this.unanswered = text;
    this.guard(() => parts.session.sendMessage(text));
    this.setResponding(true);
  }

  private requestResponse(session: RealtimeSession): void {
    const transport = session.transport;
    if (transport.requestResponse) transport.requestResponse();
    else transport.sendEvent({ type: 'response.create' });
  }

  private setSpeaking(on: boolean): void {
    if (this.speaking === on) return;
    this.speaking = on;
    this.options.listener.speaking(on);
    this.refreshState();
  }

  private setResponding(on: boolean): void {
    if (this.responding === on) return;
    this.responding = on;
    this.refreshState();
  }

  private refreshState(): void {
    const next = this.computeState();
    if (next === this.lastState) return;
    const previous = this.lastState;
    this.lastState = next;
    this.options.listener.state(next, previous);
  }

  private computeState(): NpcState {
    switch (this.conn.status) {
      case 'idle':
        return 'idle';
      case 'connecting':
      case 'backoff':
        return 'connecting';
      case 'failed':
        return 'error';
      case 'closed':
        return 'closed';
      case 'live':
        return this.speaking ? 'speaking' : this.responding ? 'thinking' : 'listening';
    }
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.report(new NpcSessionError('send_failed', messageOf(err), { cause: err }));
    }
  }

  private report(error: NpcVoiceError): void {
    this.options.listener.error(error);
  }
}

function disposeParts(parts: LiveParts): void {
  parts.input?.dispose();
  parts.detach();
  try {
    parts.session.close();
  } catch {
    // Closing a half-open transport can throw; the connection is being discarded either way.
  }
  parts.rtc?.dispose();
}

/** Turns the minted WebSocket URL into the WebRTC SDP endpoint of the same server (`…/v1/realtime/calls`). */
export function webRtcCallsUrl(wsUrl: string): string {
  const url = new URL(wsUrl);
  url.protocol = url.protocol === 'wss:' ? 'https:' : url.protocol === 'ws:' ? 'http:' : url.protocol;
  url.search = '';
  url.pathname = url.pathname.replace(/\/$/, '') + '/calls';
  return url.toString();
}

/** The message of an SDK `error` event: the Realtime API error (`api`, when the payload is one) or the raw error. */
function realtimeErrorMessage(api: { message: string; code?: string | null | undefined } | null, error: unknown): string {
  if (api) return `Realtime API error${api.code ? ` (${api.code})` : ''}: ${api.message}`;
  return `Realtime error: ${messageOf(error)}`;
}
