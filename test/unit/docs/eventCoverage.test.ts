// The README's event coverage tables list every GA Realtime event, by transport: this keeps them complete (against the
// event unions of the installed `openai` package, the API reference in types) and true (what they call supported is
// what the emulator accepts or emits; what they call unsupported it never emits).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CLIENT_EVENT_TYPES } from '../../../plugin/shared/protocol/clientEvents.js';
import { websocketAudioOutput } from '../../../server/emulator/realtime/websocketAudioOutput.js';

const read = (relative: string): string => readFileSync(fileURLToPath(new URL(`../../../${relative}`, import.meta.url)), 'utf8');
const README = read('README.md');
const OPENAI_TYPES = read('node_modules/openai/resources/realtime/realtime.d.ts');
/** The union of what the emulator emits, one `type: '…'` per server event. */
const EMITTED = read('plugin/shared/protocol/serverEvents.ts');

/** The event `type` literals of the members of one of the `openai` package's event unions. */
function gaEvents(union: 'RealtimeClientEvent' | 'RealtimeServerEvent'): string[] {
  const members = new RegExp(`export type ${union} = ([^;]+);`).exec(OPENAI_TYPES)?.[1]?.split('|').map((m) => m.trim()) ?? [];
  return members.map((member) => {
    const [outer, inner] = member.split('.');
    const body = inner
      ? new RegExp(`namespace ${outer} \\{[\\s\\S]*?interface ${inner} \\{([\\s\\S]*?)\\n    \\}`).exec(OPENAI_TYPES)?.[1]
      : new RegExp(`export interface ${outer} \\{([\\s\\S]*?)\\n\\}`).exec(OPENAI_TYPES)?.[1];
    const literals = [...(body ?? '').matchAll(/type: '([a-z_.]+)'/g)].map((m) => m[1]);
    return literals.at(-1) ?? `unparsed ${member}`;
  });
}

interface Row {
  type: string;
  websocket: 'yes' | 'no';
  webrtc: 'yes' | 'no';
}

/** The rows of the README table whose header starts `| <who> event |`. */
function table(who: 'client' | 'server'): Row[] {
  const section = README.slice(README.indexOf('### Event coverage'));
  const start = section.indexOf(`| ${who} event |`);
  const lines = section.slice(start).split('\n');
  const rows: Row[] = [];
  for (const line of lines.slice(2)) {
    const cells = /^\| `([a-z_.]+)` \| (yes|no) \| (yes|no) \|/.exec(line);
    if (!cells) break;
    rows.push({ type: cells[1] as string, websocket: cells[2] as Row['websocket'], webrtc: cells[3] as Row['webrtc'] });
  }
  return rows;
}

/** Server events the service sends on SIP calls only: the emulator emits them on a SIP call's sideband. */
const SIP_ONLY: ReadonlySet<string> = new Set(['input_audio_buffer.dtmf_event_received']);

const emits = (type: string): boolean => EMITTED.includes(`type: '${type}'`);

describe('README event coverage', () => {
  it('lists every GA client event once, and the emulator accepts each one it marks supported', () => {
    const rows = table('client');
    const ga = gaEvents('RealtimeClientEvent');
    expect(ga).toHaveLength(11);
    expect(rows.map((r) => r.type).sort()).toEqual([...ga].sort());
    for (const row of rows) expect((CLIENT_EVENT_TYPES as readonly string[]).includes(row.type), row.type).toBe(row.websocket === 'yes' || row.webrtc === 'yes');
  });

  it('lists every GA server event once; the emulator emits those it marks supported and never the others', () => {
    const rows = table('server');
    const ga = gaEvents('RealtimeServerEvent');
    expect(ga.length).toBeGreaterThanOrEqual(46);
    expect(rows.map((r) => r.type).sort()).toEqual([...ga].sort());
    for (const row of rows) expect(emits(row.type), row.type).toBe(row.websocket === 'yes' || row.webrtc === 'yes' || SIP_ONLY.has(row.type));
  });

  it('notes the SIP-only events as such', () => {
    for (const type of SIP_ONLY) expect(README).toMatch(new RegExp(`\\| \`${type.replace(/\./g, '\\.')}\` \\| no \\| no \\| SIP: yes`));
  });

  it('marks the transport differences the emulator has: audio deltas over WebSocket only, the output buffer over WebRTC only', () => {
    const server = new Map(table('server').map((r) => [r.type, r]));
    expect(server.get('response.output_audio.delta')).toMatchObject({ websocket: 'yes', webrtc: 'no' });
    expect(read('server/emulator/realtime/websocketAudioOutput.ts')).toContain("'response.output_audio.delta'");
    expect(read('server/emulator/webrtc/trackAudioOutput.ts')).not.toContain('response.output_audio.delta');
    // A WebSocket session has no server-side output buffer, so none of its events and no output_audio_buffer.clear.
    expect(websocketAudioOutput.buffered).toBe(false);
    for (const type of ['output_audio_buffer.started', 'output_audio_buffer.stopped', 'output_audio_buffer.cleared']) {
      expect(server.get(type)).toMatchObject({ websocket: 'no', webrtc: 'yes' });
    }
    expect(table('client').find((r) => r.type === 'output_audio_buffer.clear')).toMatchObject({ websocket: 'no', webrtc: 'yes' });
  });
});
