// DTMF on a phone line as RFC 4733 `telephone-event` RTP packets: what a caller's keypad sends.

/** One telephone-event payload (RFC 4733 §2.3): the event code, whether it ended, its volume and duration so far. */
export interface TelephoneEvent {
  event: number;
  end: boolean;
  volume: number;
  /** In RTP timestamp units (8000 per second on a G.711 line). */
  duration: number;
}

/** The keypad of RFC 4733 §3.2: events 0–9, `*` (10), `#` (11), A–D (12–15); 16 (flash) and above are no key. */
const KEYS = '0123456789*#ABCD';

/** Parses a telephone-event payload; null when it is shorter than its 4 bytes. */
export function parseTelephoneEvent(payload: Uint8Array): TelephoneEvent | null {
  if (payload.length < 4) return null;
  const flags = payload[1] ?? 0;
  return {
    event: payload[0] ?? 0,
    end: (flags & 0x80) !== 0,
    volume: flags & 0x3f,
    duration: ((payload[2] ?? 0) << 8) | (payload[3] ?? 0),
  };
}

/** The keypad key of an event code, or undefined for codes that are no key. */
export function dtmfKey(event: number): string | undefined {
  return event < KEYS.length ? KEYS[event] : undefined;
}

/**
 * Turns a caller's telephone-event packets into key presses. A press is sent as many packets with one RTP timestamp
 * (its start), the last three repeated with the end bit (RFC 4733 §2.5.1.4); it is reported once, on its first packet.
 */
export class DtmfReceiver {
  private lastTimestamp: number | undefined;

  /** The key a packet starts, or null for the rest of a press already reported (and for payloads that are no key). */
  receive(timestamp: number, payload: Uint8Array): string | null {
    const event = parseTelephoneEvent(payload);
    if (event === null || timestamp === this.lastTimestamp) return null;
    this.lastTimestamp = timestamp;
    return dtmfKey(event.event) ?? null;
  }
}
