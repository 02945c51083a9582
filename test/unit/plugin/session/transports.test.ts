import { ScriptedRealtimeTransport } from '@openai/agents-realtime/testing';
import { describe, expect, it } from 'vitest';
import type { VoiceOutput } from '../../../../plugin/audioBackend.js';
import type { RealtimeSdk } from '../../../../plugin/session/loadRealtimeSdk.js';
import type { EphemeralKey } from '../../../../plugin/session/mintClient.js';
import * as realtimeSdk from '../../../../plugin/session/realtimeSdk.js';
import type { WebRtcHandle } from '../../../../plugin/session/realtimeSdk.js';
import { transportStrategy, type InputPort, type MicTrackSource } from '../../../../plugin/session/transports/index.js';
import { webRtcCallsUrl } from '../../../../plugin/session/transports/webrtc.js';

// Each transport strategy on its own, driving the SDK's scripted transport: what reaches the server's input
// buffer, when a turn is committed, and where the NPC's voice comes from.

const KEY: EphemeralKey = { value: 'ek_test', expiresAt: 0, model: 'gpt-realtime', persona: 'blacksmith', url: 'ws://127.0.0.1:8787/v1/realtime?model=gpt-realtime' };

function recordingPort(): { port: InputPort; log: string[] } {
  const log: string[] = [];
  return {
    log,
    port: {
      append: (pcm) => log.push(`append:${pcm.length}`),
      commit: () => log.push('commit'),
      clear: () => log.push('clear'),
      cancel: () => log.push('cancel'),
    },
  };
}

/** A voice output that records what it was given. */
function recordingVoice(name: string, log: string[]): VoiceOutput {
  return {
    push: (pcm, itemId) => log.push(`${name}.push:${itemId}:${pcm.length}`),
    stop: () => log.push(`${name}.stop`),
    playedMs: () => 0,
    speaking: false,
    level: () => 0,
    setPosition: () => {},
    attachStream: (stream) => log.push(`${name}.stream:${stream ? (stream as unknown as { id: string }).id : 'null'}`),
    on: () => undefined,
    off: () => undefined,
    destroy: () => {},
  };
}

function fakeTrack(id: string, log: string[]): MediaStreamTrack {
  return { id, kind: 'audio', enabled: false, stop: () => log.push(`stop:${id}`) } as unknown as MediaStreamTrack;
}

describe('the WebSocket transport', () => {
  const scripted = () => transportStrategy('websocket', { createTransport: () => new ScriptedRealtimeTransport() });

  it('connects to the minted URL and reads speaking from the voice output', () => {
    const strategy = scripted();
    const link = strategy.create(realtimeSdk, KEY, null);
    expect([strategy.kind, strategy.speakingFrom, link.url]).toEqual(['websocket', 'voice', KEY.url]);
    expect(link.transport).toBeInstanceOf(ScriptedRealtimeTransport);
  });

  it('appends the player voice, commits a turn of ≥ 100 ms and clears a shorter one', () => {
    const link = scripted().create(realtimeSdk, KEY, null);
    const { port, log } = recordingPort();
    link.start(port);
    link.beginTurn();
    link.audio(new Int16Array(2400));
    link.endTurn();
    link.beginTurn();
    link.audio(new Int16Array(2399));
    link.endTurn();
    expect(log).toEqual(['append:2400', 'commit', 'append:2399', 'clear']);
  });

  it('sends audio kept while connecting as one append, committed when its turn already ended', () => {
    const link = scripted().create(realtimeSdk, KEY, null);
    const { port, log } = recordingPort();
    link.start(port);
    link.early([new Int16Array(2400), new Int16Array(1200)], true);
    expect(log).toEqual(['append:3600', 'commit']);
  });

  it('cancels an answer interrupted before its first audio (the SDK only truncates audio it has)', () => {
    const link = scripted().create(realtimeSdk, KEY, null);
    const { port, log } = recordingPort();
    link.start(port);
    link.interrupted(true, true);
    link.interrupted(false, false);
    expect(log).toEqual([]);
    link.interrupted(false, true);
    expect(log).toEqual(['cancel']);
  });

  it('plays the SDK socket audio straight into the voice it was handed, and into the new one after setVoice', () => {
    const log: string[] = [];
    const link = transportStrategy('websocket', {}).create(realtimeSdk, KEY, recordingVoice('a', log));
    const socket = link.transport as realtimeSdk.PlayerAwareWebSocket;
    expect(socket).toBeInstanceOf(realtimeSdk.PlayerAwareWebSocket);
    // The SDK sets the current item from the wire; here it is set as the SDK would before an audio delta.
    const internals = socket as unknown as { _onAudio(e: { type: 'audio'; data: ArrayBuffer; responseId: string }): void };
    Object.defineProperty(socket, 'currentItemId', { get: () => 'item_1' });
    internals._onAudio({ type: 'audio', data: new ArrayBuffer(96), responseId: 'resp_1' });
    link.setVoice(recordingVoice('b', log));
    internals._onAudio({ type: 'audio', data: new ArrayBuffer(48), responseId: 'resp_1' });
    link.dispose();
    internals._onAudio({ type: 'audio', data: new ArrayBuffer(48), responseId: 'resp_1' });
    expect(log).toEqual(['a.push:item_1:48', 'b.push:item_1:24']);
  });
});

/** A WebRTC call stand-in on a scripted transport: records track swaps and hands out the remote stream. */
function fakeRtc(log: string[]) {
  let onStream: ((stream: MediaStream) => void) | null = null;
  let sent: MediaStreamTrack | null = null;
  const sdk = {
    ...realtimeSdk,
    createWebRtcTransport(track: MediaStreamTrack, stream: (s: MediaStream) => void): WebRtcHandle {
      sent = track;
      onStream = stream;
      log.push(`call:${track.id}`);
      return {
        transport: new ScriptedRealtimeTransport() as unknown as WebRtcHandle['transport'],
        setMicEnabled: (on) => {
          if (sent) sent.enabled = on;
          log.push(`track.enabled:${on}`);
        },
        setMicTrack: (next) => {
          log.push(`swap:${next.id}`);
          sent = next;
          return Promise.resolve(true);
        },
        roundTripMs: () => 0,
        dispose: () => log.push('rtc.dispose'),
      };
    },
  } as unknown as RealtimeSdk;
  return { sdk, remote: (id: string) => onStream?.({ id } as unknown as MediaStream) };
}

function mic(log: string[], open: { value: boolean }): MicTrackSource {
  let n = 0;
  return {
    cloneTrack: () => (open.value ? fakeTrack(`mic${++n}`, log) : null),
    placeholderTrack: () => fakeTrack(`silence${++n}`, log),
    ready: () => Promise.resolve(),
  };
}

describe('the WebRTC transport', () => {
  it('derives the calls URL from the minted WebSocket URL', () => {
    expect(webRtcCallsUrl('ws://127.0.0.1:8787/v1/realtime?model=gpt-realtime')).toBe('http://127.0.0.1:8787/v1/realtime/calls');
    expect(webRtcCallsUrl('wss://api.openai.com/v1/realtime/')).toBe('https://api.openai.com/v1/realtime/calls');
  });

  it('refuses to call without a track to send', () => {
    const strategy = transportStrategy('webrtc', {});
    expect(() => strategy.create(fakeRtc([]).sdk, KEY, null)).toThrow(expect.objectContaining({ code: 'no_audio_track' }));
  });

  it('calls with a silent placeholder until the mic opens, then sends a clone of it; what was said meanwhile goes over the data channel, then the track carries the voice', async () => {
    const log: string[] = [];
    const open = { value: false };
    const rtc = fakeRtc(log);
    const strategy = transportStrategy('webrtc', { mic: mic(log, open) });
    expect([strategy.kind, strategy.speakingFrom]).toEqual(['webrtc', 'server']);
    const link = strategy.create(rtc.sdk, KEY, null);
    expect(link.url).toBe('http://127.0.0.1:8787/v1/realtime/calls');
    const { port, log: sent } = recordingPort();
    link.start(port);
    link.live(true);
    expect(log).toEqual(['call:silence1', 'track.enabled:false']);
    // Spoken before the track carries the mic: kept, and sent over the data channel once it does.
    link.audio(new Int16Array(2400).fill(3000));
    expect(sent).toEqual([]);
    open.value = true;
    link.micOpened();
    await Promise.resolve();
    await Promise.resolve();
    expect(log).toContain('swap:mic2');
    // The release: what was kept goes now, ahead of the commit, and the track takes over.
    link.endTurn();
    expect(sent).toEqual(['append:2400', 'commit']);
    expect(log.at(-1)).toBe('track.enabled:true');
    link.audio(new Int16Array(2400).fill(3000));
    expect(sent).toHaveLength(2);
    // Voice off: back to a silent placeholder.
    link.micClosed();
    expect(log.at(-1)).toBe('swap:silence3');
  });

  it('plays the remote stream in the voice it was handed, moves it to a new voice, and lets go of it on dispose', () => {
    const log: string[] = [];
    const rtc = fakeRtc(log);
    const link = transportStrategy('webrtc', { mic: mic(log, { value: true }) }).create(rtc.sdk, KEY, recordingVoice('a', log));
    rtc.remote('remote1');
    link.setVoice(recordingVoice('b', log));
    link.dispose();
    link.dispose();
    expect(log).toEqual(['call:mic1', 'a.stream:remote1', 'a.stream:null', 'b.stream:remote1', 'b.stream:null', 'rtc.dispose']);
  });
});
