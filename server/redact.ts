/**
 * Removes anything that looks like an OpenAI API key (`sk-…`) or a bearer credential from text before it is logged
 * or sent. A last line of defence: code should never put a key in a message in the first place.
 */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[] = []): string {
  let out = text;
  for (const secret of secrets) if (secret) out = out.split(secret).join('[redacted]');
  return out.replace(/\bsk-[A-Za-z0-9_-]{4,}/g, 'sk-[redacted]').replace(/(Bearer\s+)(?!ek_)[^\s"',]+/gi, '$1[redacted]');
}

/** A log sink: one line per call. */
export type LogFn = (line: string) => void;

/** Wraps a log sink so every line is redacted. */
export function redactingLogger(sink: LogFn, secrets: readonly (string | undefined)[]): LogFn {
  return (line) => sink(redactSecrets(line, secrets));
}
