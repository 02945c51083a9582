import type { RealtimeSession } from '@openai/agents-realtime';
import type { VoiceOutput } from '../audioBackend.js';
import { NpcSessionError, NpcVoiceError, messageOf } from '../errors.js';
import { pcm16Bytes } from '../shared/pcm16.js';
import type { Persona } from '../shared/personaSchema.js';
import { buildInstructions } from '../shared/sessionConfig.js';
import type { GameTool, GameToolContext } from '../tools/defineGameTool.js';
import type { ToolRunResult } from '../tools/runGameTool.js';
import type { ConversationLine, NpcState, NpcUsage } from '../types.js';
import type { BackoffOptions } from './backoff.js';
import { Connection } from './connection.js';
import { EarlyAudio } from './earlyAudio.js';
import { PendingImages, type PendingImage } from './pendingImages.js';
import type { RealtimeSdk } from './loadRealtimeSdk.js';
import type { EphemeralKey } from './mintClient.js';
import type { ServerEventSink } from './serverEvents.js';
import { instructionsWithMemory, isPushToTalk } from './sessionOptions.js';
import { Subscriptions } from './subscriptions.js';
import type { InputPort, TransportDeps, TransportKind, TransportLink, TransportStrategy } from './transports/index.js';

export type { MicTrackSource, TransportKind } from './transports/index.js';

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

/** Everything a session needs, injected so it runs in Node with a scripted transport. */
export interface NpcSessionOptions extends TransportDeps {
  persona: () => Persona;
  mint: (personaId: string) => Promise<EphemeralKey>;
  loadSdk: () => Promise<RealtimeSdk>;
  transport: TransportKind;
  /** The game tools this NPC may use (already filtered by the persona's allowlist). */
  tools: () => readonly GameTool[];
  toolContext: () => GameToolContext;
  listener: NpcSessionListener;
  backoff?: BackoffOptions;
  random?: () => number;
}

/** One open connection: the SDK session on its transport link, and the listeners it added. */
interface Live {
  sdk: RealtimeSdk;
  session: RealtimeSession;
  link: TransportLink;
  subs: Subscriptions;
}

/**
 * The player's voice kept while the connection opens (they pressed push-to-talk as they walked up), sent first once
 * it is up. Older audio beyond this is dropped.
 */
export const MAX_EARLY_AUDIO_MS = 10_000;

/**
 * One NPC's conversation over Realtime: opens a `RealtimeSession` with the persona's agent on the chosen transport
 * (through {@link Connection}, which reconnects with backoff), keeps the player's voice while connecting
 * ({@link EarlyAudio}), reads the server's transcripts ({@link ServerEventReader}), runs turns, and keeps the
 * conversation across reconnects. Engine-free: it runs in Node with a scripted transport.
 */
export class NpcSession {
  private readonly connection: Connection<Live>;
  /** The transport's strategy, from the SDK chunk it is loaded with (out of the game's first load): null until then. */
  private strategy: TransportStrategy | null = null;
  private readonly early = new EarlyAudio(MAX_EARLY_AUDIO_MS);
  private voice: VoiceOutput | null = null;
  private readonly voiceSubs = new Subscriptions();
  private speaking = false;
  private responding = false;
  private lastState: NpcState = 'idle';
  private micEnabled = false;
  private readonly pendingTexts: string[] = [];
  /** Pictures (`binding.show()`) waiting for the connection or a persona update, sent after the pending texts. */
  private readonly pendingImages = new PendingImages();
  /** The player's last words (typed, or a spoken turn's transcript) that the NPC has not finished answering. */
  private unanswered: string | null = null;
  /** Words whose answer a dropped connection cut off: asked again, once, as soon as the new connection is up. */
  private askAgain: string | null = null;
  private readonly lines: ConversationLine[] = [];
  /** A persona update being sent (`updateAgent` is async); text said meanwhile waits for it. */
  private updating: Promise<void> | null = null;

  constructor(private readonly options: NpcSessionOptions) {
    this.connection = new Connection<Live>(
      {
        open: (current) => this.openLive(current),
        dispose: (live) => this.disposeLive(live),
        up: (live) => this.onLive(live),
        changed: () => {
          // Gave up connecting: the pictures waiting for the connection are refused rather than kept forever.
          if (this.connection.status === 'failed') this.pendingImages.rejectAll(new NpcSessionError('retries_exhausted', 'the picture was not sent: connecting failed'));
          this.refreshState();
        },
        error: (error) => this.report(error),
      },
      { ...(options.backoff ? { backoff: options.backoff } : {}), ...(options.random ? { random: options.random } : {}) },
    );
  }

  /** The binding-level state. */
  get state(): NpcState {
    return this.lastState;
  }

  /** Whether a connection is open, being opened, or waiting to retry (the live-session policy counts these). */
  get active(): boolean {
    return this.connection.active;
  }

  /**
   * Whether the player's typed words or a finished spoken turn wait to be sent (the connection is being opened, or
   * a persona update is applying).
   */
  get hasPendingInput(): boolean {
    return this.pendingTexts.length > 0 || this.pendingImages.size > 0 || this.early.releasedTurn || this.askAgain !== null;
  }

  /** Whether the session is connected now. */
  get live(): boolean {
    return this.connection.status === 'live';
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
    return this.connection.live?.session ?? null;
  }

  /**
   * The NPC's voice output, handed over by its binding once the audio layer made it (null: subtitles only). Audio
   * goes straight to it from the transport, and its playback tells when the NPC is heard.
   */
  setVoice(voice: VoiceOutput | null): void {
    if (voice === this.voice) return;
    this.voiceSubs.clear();
    this.voice = voice;
    this.connection.live?.link.setVoice(voice);
    // Exact: the player knows when audio is really heard (a WebRTC answer is reported by the server instead).
    if (voice) this.voiceSubs.on(voice, 'speaking', (on: boolean) => {
      if (this.strategy?.speakingFrom === 'voice') this.setSpeaking(on);
    });
  }

  /**
   * Connects unless already connected or connecting. After retries were exhausted, `open()` is ignored until the
   * cool-down ends unless `force` (the player explicitly talks to the NPC).
   */
  open(force = false): void {
    this.connection.open(force);
  }

  /** Closes the connection on purpose (idle, out of range). Keeps the history. Idempotent. */
  close(): void {
    if (this.connection.status === 'closed') return;
    this.connection.close();
    this.endConversationTurn();
    this.early.drop();
    this.askAgain = null;
    this.pendingImages.rejectAll(new NpcSessionError('session_closed', 'the picture was not sent: the session was closed'));
  }

  /** Closes for good; the session cannot be reopened. Idempotent. */
  destroy(): void {
    if (this.connection.status === 'closed') return;
    this.connection.destroy();
    this.endConversationTurn();
    this.pendingTexts.length = 0;
    this.pendingImages.rejectAll(new NpcSessionError('session_closed', 'the picture was not sent: the session was destroyed'));
    this.askAgain = null;
    this.early.drop();
    this.setVoice(null);
  }

  /** Sends the player's typed words; connects first if needed (the text waits for the connection). */
  say(text: string): void {
    if (this.connection.status === 'closed') return;
    const trimmed = text.trim();
    if (!trimmed) return;
    const live = this.connection.live;
    if (!live) {
      this.pendingTexts.push(trimmed);
      this.open(true);
      return;
    }
    if (this.updating) {
      // Otherwise the text would overtake the session.update and be answered by the old persona.
      this.pendingTexts.push(trimmed);
      return;
    }
    this.sendText(live, trimmed);
  }

  /**
   * Sends a picture (a JPEG or PNG data URL) as a user image item, and asks for an answer unless `triggerResponse`
   * is false; connects first if needed. Resolves once it is sent; rejects with an `NpcSessionError` when the session
   * closes or gives up connecting first (`session_closed`, `retries_exhausted`) or sending throws (`send_failed`).
   */
  showImage(image: string, triggerResponse: boolean): Promise<void> {
    if (this.connection.status === 'closed') return Promise.reject(new NpcSessionError('session_closed', 'the picture was not sent: the session was destroyed'));
    const live = this.connection.live;
    if (live && !this.updating) return this.pendingImages.add(image, triggerResponse, (pending) => this.sendImage(live, pending));
    const queued = this.pendingImages.add(image, triggerResponse);
    if (!live) this.open(true);
    return queued;
  }

  /** Stops the NPC mid-sentence: cancels the response, truncates what was not heard, silences the voice. */
  interrupt(): void {
    const live = this.connection.live;
    if (!live) return;
    this.guard(() => {
      const hadAudio = this.speaking;
      live.session.interrupt();
      live.link.interrupted(hadAudio, this.responding);
    });
    this.voice?.stop();
    this.setSpeaking(false);
  }

  /**
   * Streams microphone audio. While the connection is still opening the audio is kept (up to
   * {@link MAX_EARLY_AUDIO_MS}) and sent first once it is up, on either transport.
   */
  sendAudio(pcm: Int16Array): void {
    if (pcm.length === 0) return;
    const status = this.connection.status;
    if (status === 'connecting' || status === 'backoff') this.early.keep(pcm);
    else this.connection.live?.link.audio(pcm);
  }

  /** The player pressed push-to-talk: barge in on the NPC and start a fresh input buffer. */
  beginTurn(): void {
    const live = this.connection.live;
    // Pressed again while the last release still waits for its audio: the same turn goes on.
    if (live && this.pushToTalk && live.link.continueTurn()) return;
    if (this.speaking || this.responding) this.interrupt();
    if (!live) this.early.drop();
    if (!live || !this.pushToTalk) return;
    live.link.beginTurn();
    this.guard(() => live.session.transport.sendEvent({ type: 'input_audio_buffer.clear' }));
  }

  /**
   * The player released push-to-talk. With turn detection off the server neither commits nor answers by itself,
   * so the turn is committed and a response requested (by the link, once its audio has arrived).
   */
  endTurn(): void {
    if (!this.pushToTalk) return;
    const live = this.connection.live;
    // Not live yet: committed as soon as the connection is up, after the audio kept meanwhile.
    if (live) live.link.endTurn();
    else this.early.release();
  }

  /** Enables this session's microphone input — only the addressed NPC hears the player. */
  setMicEnabled(enabled: boolean): void {
    this.micEnabled = enabled;
    this.connection.live?.link.setMicEnabled(enabled);
  }

  /** The microphone opened (a WebRTC call swaps its placeholder track for a clone of it). */
  micOpened(): void {
    this.connection.live?.link.micOpened();
  }

  /** Voice input was turned off (a WebRTC call stops its microphone clone and sends a silent placeholder). */
  micClosed(): void {
    this.connection.live?.link.micClosed();
  }

  /** Applies a new persona to the live session (`updateAgent`); a voice change applies from the next session. */
  applyPersona(): void {
    const live = this.connection.live;
    if (!live) return;
    const updating = live.session
      .updateAgent(this.buildAgent(live.sdk))
      .then(
        () => {},
        (err: unknown) => this.report(new NpcSessionError('persona_update_failed', `could not update the persona: ${messageOf(err)}`, { cause: err })),
      )
      .finally(() => {
        if (this.updating !== updating) return;
        this.updating = null;
        // Text said while the update was on its way goes out now, after it (same connection only).
        if (this.connection.live === live) this.sendPending(live);
      });
    this.updating = updating;
  }

  /** Connection hook: mints a key, builds the transport link and the SDK session, and connects. */
  private async openLive(current: () => boolean): Promise<Live> {
    const persona = this.options.persona();
    const transport = this.options.loadSdk().then(async (sdk) => {
      const strategy = (this.strategy ??= sdk.transportStrategy(this.options.transport, this.options));
      await strategy.prepare();
      return { sdk, strategy };
    });
    const [{ sdk, strategy }, key] = await Promise.all([transport, this.options.mint(persona.id)]);
    if (!current()) throw new NpcSessionError('connect_failed', 'superseded');
    const link = strategy.create(sdk, key, this.voice);
    const session = sdk.createSession(this.buildAgent(sdk), link.transport, persona, key.model);
    const live: Live = { sdk, session, link, subs: new Subscriptions() };
    link.start(this.inputPort(session));
    this.wire(live);
    try {
      await session.connect({ apiKey: key.value, url: link.url });
    } catch (err) {
      this.disposeLive(live);
      throw err;
    }
    return live;
  }

  /** Connection hook: the connection is up. */
  private onLive(live: Live): void {
    this.setResponding(false);
    // Words spoken while connecting go first (over WebRTC too: the data channel takes appends), then the track.
    const kept = this.early.take();
    if (kept) live.link.early(kept.chunks, kept.released && this.pushToTalk);
    live.link.live(this.micEnabled);
    const again = this.askAgain;
    this.askAgain = null;
    if (again !== null) {
      // Already in the history (and in the new session's memory): sent, not recorded twice.
      this.unanswered = again;
      this.guard(() => live.session.sendMessage(again));
      this.setResponding(true);
    }
    this.sendPending(live);
  }

  /** Sends what waited for the connection or a persona update: typed words, then pictures, in order. */
  private sendPending(live: Live): void {
    for (const text of this.pendingTexts.splice(0)) this.sendText(live, text);
    for (const pending of this.pendingImages.take()) this.sendImage(live, pending);
  }

  /** Connection hook: releases a connection (closed, stale, or dropped). */
  private disposeLive(live: Live): void {
    live.subs.clear();
    try {
      live.session.close();
    } catch {
      // Closing a half-open transport can throw; the connection is being discarded either way.
    }
    live.link.dispose();
  }

  /** How the link reaches this connection's input buffer; every send is guarded (a failure becomes an error event). */
  private inputPort(session: RealtimeSession): InputPort {
    return {
      // pcm16Bytes returns a fresh little-endian copy, so its buffer is exactly these samples.
      append: (pcm) => this.guard(() => session.sendAudio(pcm16Bytes(pcm).buffer as ArrayBuffer)),
      commit: () => {
        this.guard(() => {
          session.transport.sendEvent({ type: 'input_audio_buffer.commit' });
          requestResponse(session);
        });
        this.setResponding(true);
      },
      clear: () => this.guard(() => session.transport.sendEvent({ type: 'input_audio_buffer.clear' })),
      cancel: () => this.guard(() => session.transport.sendEvent({ type: 'response.cancel' })),
    };
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

  /** Listens to the SDK session and transport of `live` (removed together when it is released). */
  private wire(live: Live): void {
    const { sdk, session, link, subs } = live;
    const reader = new sdk.ServerEventReader(sdk.transportEvents, this.serverEventSink());
    subs.onSession(session, 'transport_event', (event) => reader.read(event));
    subs.onSession(session, 'agent_start', () => this.setResponding(true));
    subs.onSession(session, 'agent_end', () => this.setResponding(false));
    // Without a voice output, the SDK's own notion of audio is all there is.
    subs.onSession(session, 'audio_start', () => {
      if (!this.voice) this.setSpeaking(true);
    });
    subs.onSession(session, 'audio_stopped', () => {
      if (!this.voice) this.setSpeaking(false);
    });
    subs.onSession(session, 'audio_interrupted', () => {
      this.voice?.stop();
      this.setSpeaking(false);
    });
    subs.onSession(session, 'error', (e) => {
      // A cancel that crossed the response's own `response.done` on the wire: the answer already ended, as wanted.
      const api = sdk.transportEvents.ApiErrorEvent.safeParse(e.error);
      if (api.success && api.data.error.code === 'response_cancel_not_active') return;
      this.report(new NpcSessionError('realtime_error', realtimeErrorMessage(api.success ? api.data.error : null, e.error), { cause: e.error }));
    });
    subs.onTransport(link.transport, 'connection_change', (status) => {
      if (status === 'disconnected') this.onDropped(live);
    });
  }

  private serverEventSink(): ServerEventSink {
    const l = this.options.listener;
    return {
      playerTranscript: (text, final) => {
        if (final && text) {
          this.lines.push({ role: 'player', text });
          this.unanswered = text;
        }
        l.playerTranscript(text, final);
      },
      npcTranscriptDelta: (delta) => l.npcTranscriptDelta(delta),
      npcTranscript: (text) => {
        if (text) this.lines.push({ role: 'npc', text });
        this.unanswered = null;
        l.npcTranscript(text);
      },
      usage: (usage) => l.usage(usage),
      outputAudio: (playing) => {
        if (this.strategy?.speakingFrom === 'server') this.setSpeaking(playing);
      },
    };
  }

  private onDropped(live: Live): void {
    const unanswered = this.unanswered;
    // Only an unexpected drop of the current connection reconnects; our own close() removed this listener first.
    if (this.connection.live !== live) return;
    this.report(new NpcSessionError('connection_lost', 'the Realtime connection dropped; reconnecting'));
    this.connection.dropped(live);
    this.endConversationTurn();
    this.askAgain = unanswered;
  }

  /** The answer in progress ends with its connection: the voice stops, and partial transcripts are dropped. */
  private endConversationTurn(): void {
    this.updating = null;
    this.voice?.stop();
    this.setSpeaking(false);
    this.setResponding(false);
    this.unanswered = null;
  }

  private sendText(live: Live, text: string): void {
    if (this.speaking || this.responding) this.interrupt();
    this.lines.push({ role: 'player', text });
    this.unanswered = text;
    this.guard(() => live.session.sendMessage(text));
    this.setResponding(true);
  }

  private sendImage(live: Live, pending: PendingImage): void {
    if (pending.triggerResponse && (this.speaking || this.responding)) this.interrupt();
    try {
      live.session.addImage(pending.image, { triggerResponse: pending.triggerResponse });
    } catch (err) {
      pending.reject(new NpcSessionError('send_failed', `the picture was not sent: ${messageOf(err)}`, { cause: err }));
      return;
    }
    if (pending.triggerResponse) this.setResponding(true);
    pending.resolve();
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
    switch (this.connection.status) {
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

function requestResponse(session: RealtimeSession): void {
  const transport = session.transport;
  if (transport.requestResponse) transport.requestResponse();
  else transport.sendEvent({ type: 'response.create' });
}

/** The message of an SDK `error` event: the Realtime API error (`api`, when the payload is one) or the raw error. */
function realtimeErrorMessage(api: { message: string; code?: string | null | undefined } | null, error: unknown): string {
  if (api) return `Realtime API error${api.code ? ` (${api.code})` : ''}: ${api.message}`;
  return `Realtime error: ${messageOf(error)}`;
}
