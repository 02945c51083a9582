// Types for the parts of the `sip` package (kirm/sip.js, CommonJS, untyped) the emulator uses: its message parser and
// serializer. The emulator keeps its own UDP socket and the little transaction state a UAS needs.
declare module 'sip' {
  /** A name-addr header value (`To`, `From`, `Contact`): `"name" <uri>;params`. */
  export interface SipAddress {
    name?: string;
    uri: string;
    params: Record<string, string | null | undefined>;
  }
  /** One `Via` entry. */
  export interface SipVia {
    version: string;
    protocol: string;
    host: string;
    port?: number;
    params: Record<string, string | null | undefined>;
  }
  /** Parsed headers, by lower-case name; headers the parser does not know stay strings. */
  export interface SipHeaders {
    via?: SipVia[];
    to?: SipAddress;
    from?: SipAddress;
    'call-id'?: string;
    cseq?: { seq: number; method: string };
    contact?: SipAddress[] | '*';
    [name: string]: unknown;
  }
  /** A request (`method` + `uri`) or a response (`status` + `reason`). */
  export interface SipMessage {
    method?: string;
    uri?: string;
    status?: number;
    reason?: string;
    version: string;
    headers: SipHeaders;
    content?: string;
  }
  /** A parsed `sip:` URI. */
  export interface SipUri {
    schema: string;
    user?: string;
    host: string;
    port?: number;
    params: Record<string, string | null | undefined>;
  }
  /** Parses one datagram; undefined when it is not a SIP message. */
  export function parse(data: string | Buffer): SipMessage | undefined;
  /** Serializes a message (sets `Content-Length` from `content`). */
  export function stringify(message: SipMessage): string;
  /** A response to `request` with its Via, To, From, Call-ID and CSeq. */
  export function makeResponse(
    request: SipMessage,
    status: number,
    reason?: string,
    extension?: { headers?: Record<string, unknown>; content?: string },
  ): SipMessage;
  export function parseUri(uri: string): SipUri | undefined;
}
