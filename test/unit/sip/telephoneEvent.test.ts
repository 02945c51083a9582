import { describe, expect, it } from 'vitest';
import { DtmfReceiver, dtmfKey, parseTelephoneEvent } from '../../../server/emulator/sip/telephoneEvent.js';

/** An RFC 4733 payload: event, end bit, volume 10, duration. */
const payload = (event: number, end: boolean, duration: number) => Uint8Array.of(event, (end ? 0x80 : 0) | 10, duration >> 8, duration & 0xff);

describe('RFC 4733 telephone events', () => {
  it('parses the event, end bit, volume and duration', () => {
    expect(parseTelephoneEvent(payload(11, true, 1600))).toEqual({ event: 11, end: true, volume: 10, duration: 1600 });
    expect(parseTelephoneEvent(Uint8Array.of(1, 2, 3))).toBeNull();
  });

  it('maps the keypad codes, and nothing for flash or beyond', () => {
    expect([0, 9, 10, 11, 12, 15].map(dtmfKey)).toEqual(['0', '9', '*', '#', 'A', 'D']);
    expect(dtmfKey(16)).toBeUndefined();
  });

  it('reports a press once however many packets (and end retransmissions) carry it, and the next press again', () => {
    const receiver = new DtmfReceiver();
    const press = (timestamp: number, event: number) => [
      receiver.receive(timestamp, payload(event, false, 160)),
      receiver.receive(timestamp, payload(event, false, 320)),
      receiver.receive(timestamp, payload(event, true, 480)),
      receiver.receive(timestamp, payload(event, true, 480)),
      receiver.receive(timestamp, payload(event, true, 480)),
    ];
    expect(press(1000, 5)).toEqual(['5', null, null, null, null]);
    // The same key pressed again is a new press: a new timestamp.
    expect(press(9000, 5)).toEqual(['5', null, null, null, null]);
    expect(press(17000, 16)).toEqual([null, null, null, null, null]);
  });
});
