import type { DemoSubtitle } from './automation.js';

/** A subtitle line with the time it was last changed (ms, `performance.now()`). */
export interface SubtitleLine extends DemoSubtitle {
  updatedAt: number;
}

/** How long a finished line stays on screen. */
export const SUBTITLE_HOLD_MS = 6000;
const MAX_LINES = 200;

/** Every line spoken or typed, oldest first; the open (not final) line of a speaker grows in place. */
export class SubtitleLog {
  private readonly lines: SubtitleLine[] = [];

  /** Appends to (or starts) the open line of `speaker`. */
  append(speaker: string, delta: string, now = performance.now()): void {
    const open = this.open(speaker);
    if (open) {
      open.text += delta;
      open.updatedAt = now;
    } else this.push({ speaker, text: delta, final: false, updatedAt: now });
  }

  /** Sets the whole text of the open line of `speaker` (or a new one), final or still partial. */
  set(speaker: string, text: string, final: boolean, now = performance.now()): void {
    const open = this.open(speaker);
    if (open) {
      open.text = text;
      open.final = final;
      open.updatedAt = now;
    } else this.push({ speaker, text, final, updatedAt: now });
  }

  /** Closes a speaker's open line as it is (e.g. an interrupted NPC). */
  close(speaker: string): void {
    const open = this.open(speaker);
    if (open) open.final = true;
  }

  /** The line to show for `speaker` now: the open one, or the last final one for a few seconds. */
  current(speaker: string, now = performance.now()): SubtitleLine | null {
    for (let i = this.lines.length - 1; i >= 0; i--) {
      const line = this.lines[i];
      if (line?.speaker !== speaker) continue;
      if (!line.final || now - line.updatedAt < SUBTITLE_HOLD_MS) return line;
      return null;
    }
    return null;
  }

  all(): DemoSubtitle[] {
    return this.lines.map(({ speaker, text, final }) => ({ speaker, text, final }));
  }

  private open(speaker: string): SubtitleLine | undefined {
    for (let i = this.lines.length - 1; i >= 0; i--) {
      const line = this.lines[i];
      if (line?.speaker === speaker) return line.final ? undefined : line;
    }
    return undefined;
  }

  private push(line: SubtitleLine): void {
    this.lines.push(line);
    if (this.lines.length > MAX_LINES) this.lines.shift();
  }
}
