/** Whether an SDP candidate line (`a=candidate:…`) is a host candidate on 127.0.0.1. */
function isLoopbackHost(line: string): boolean {
  // a=candidate:<foundation> <component> <transport> <priority> <address> <port> typ <type> …
  const fields = line.slice('a=candidate:'.length).split(' ');
  return fields[4] === '127.0.0.1' && fields[6] === 'typ' && fields[7] === 'host';
}

/**
 * Keeps ICE on loopback: drops every candidate that is not a 127.0.0.1 host candidate (libwebrtc gathers on every
 * interface, and a test box's other addresses only slow ICE down or leak out of the sandbox), and points each media
 * section's connection line and default port at the first loopback UDP candidate it keeps.
 */
export function keepLoopbackCandidates(sdp: string): string {
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
  const lines = sdp.split(/\r?\n/);
  const sections: string[][] = [[]];
  for (const line of lines) {
    if (line.startsWith('m=')) sections.push([]);
    (sections[sections.length - 1] as string[]).push(line);
  }
  const out: string[] = [];
  for (const [i, section] of sections.entries()) {
    const kept = section.filter((line) => !line.startsWith('a=candidate:') || isLoopbackHost(line));
    const udp = kept.find((line) => line.startsWith('a=candidate:') && line.split(' ')[2]?.toLowerCase() === 'udp');
    const port = udp?.split(' ')[5];
    for (const line of kept) {
      if (i > 0 && line.startsWith('c=IN ')) out.push('c=IN IP4 127.0.0.1');
      else if (line.startsWith('m=') && port !== undefined) out.push(line.replace(/^(m=\S+ )\d+/, `$1${port}`));
      else out.push(line);
    }
  }
  return out.join(eol);
}

/** Number of 127.0.0.1 host candidates in an SDP. */
export function loopbackCandidateCount(sdp: string): number {
  return sdp.split(/\r?\n/).filter((line) => line.startsWith('a=candidate:') && isLoopbackHost(line)).length;
}
