import type { NpcUsage } from '../types.js';
import type * as TransportEvents from './transportEvents.js';

/** What the server said, as a session needs it. */
export interface ServerEventSink {
  /** The player's words as transcribed so far (`final` false), then the whole utterance trimmed (`final` true). */
  playerTranscript(text: string, final: boolean): void;
  /** A piece of the NPC's answer (subtitles as it speaks). */
  npcTranscriptDelta(delta: string): void;
  /** The NPC's whole answer, trimmed. */
  npcTranscript(text: string): void;
  usage(usage: NpcUsage): void;
  /** WebRTC: the server started (`true`) or stopped playing the answer on the media track. */
  outputAudio(playing: boolean): void;
}

/**
 * Reads the server events of one connection (the SDK's `transport_event`, unvalidated) into transcripts, usage and
 * output audio. Validates each event with the wire schemas the lazy SDK chunk carries (`transportEvents.ts`, the
 * one description of these shapes), ignores what it does not know, and keeps the partial transcripts of this
 * connection.
 *
 * @example
 * const reader = new ServerEventReader(sdk.transportEvents, sink);
 * session.on('transport_event', (event) => reader.read(event));
 */
export class ServerEventReader {
  private readonly playerPartial = new Map<string, string>();
  private npcPartial = '';

  constructor(
    private readonly schemas: typeof TransportEvents,
    private readonly sink: ServerEventSink,
  ) {}

  read(event: unknown): void {
    const { EventType, InputDelta, InputDone, OutputDelta, OutputAudioDone, OutputTextDone, ResponseDone } = this.schemas;
    const typed = EventType.safeParse(event);
    if (!typed.success) return;
    switch (typed.data.type) {
      case 'conversation.item.input_audio_transcription.delta': {
        const e = InputDelta.safeParse(event);
        if (!e.success) return;
        const text = (this.playerPartial.get(e.data.item_id) ?? '') + e.data.delta;
        this.playerPartial.set(e.data.item_id, text);
        this.sink.playerTranscript(text, false);
        return;
      }
      case 'conversation.item.input_audio_transcription.completed': {
        const e = InputDone.safeParse(event);
        if (!e.success) return;
        this.playerPartial.delete(e.data.item_id);
        this.sink.playerTranscript(e.data.transcript.trim(), true);
        return;
      }
      case 'response.output_audio_transcript.delta':
      case 'response.output_text.delta': {
        const e = OutputDelta.safeParse(event);
        if (!e.success) return;
        this.npcPartial += e.data.delta;
        this.sink.npcTranscriptDelta(e.data.delta);
        return;
      }
      case 'response.output_audio_transcript.done':
      case 'response.output_text.done': {
        const a = OutputAudioDone.safeParse(event);
        const t = OutputTextDone.safeParse(event);
        const text = (a.success ? a.data.transcript : t.success ? t.data.text : this.npcPartial).trim();
        this.npcPartial = '';
        this.sink.npcTranscript(text);
        return;
      }
      case 'response.done': {
        const e = ResponseDone.safeParse(event);
        const u = e.success ? e.data.response.usage : null;
        if (u) this.sink.usage({ inputTokens: u.input_tokens, outputTokens: u.output_tokens, totalTokens: u.total_tokens });
        return;
      }
      case 'output_audio_buffer.started':
        this.sink.outputAudio(true);
        return;
      case 'output_audio_buffer.stopped':
      case 'output_audio_buffer.cleared':
        this.sink.outputAudio(false);
        return;
      default:
        return;
    }
  }
}
