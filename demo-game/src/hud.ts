// The DOM overlay over the canvas: push-to-talk hint, microphone indicator, text box, mode badge (and offline
// badge with a retry button), inventory, microphone prompt, persona errors and the debug overlay. Pure DOM; the scene and the voice wiring call into it.

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls: string, text = ''): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.className = cls;
  if (text) node.textContent = text;
  return node;
}

/** What the debug overlay shows. */
export interface DebugInfo {
  renderer: string;
  fps: number;
  liveSessions: string[];
  latenciesMs: number[];
  usage: { npc: string; inputTokens: number; outputTokens: number }[];
  addressee: string | null;
  micLevel: number;
}

/** Handlers the HUD calls. */
export interface HudHandlers {
  /**
   * The player typed `text` and pressed Enter. Returns whether it was sent: if so the box clears and the keys go
   * back to the game; if not (nobody in hearing range, server offline) the line stays in the box for another try.
   */
  onSay(text: string): boolean;
  /** The player asked to enable the microphone. */
  onEnableMic(): void;
  /** The player chose typing only. */
  onTypeOnly(): void;
  /** The text box gained (true) or lost (false) focus: the game stops reading the keyboard while typing. */
  onTyping(typing: boolean): void;
  /** The player clicked the microphone indicator: typing only, or voice again. */
  onToggleVoice(): void;
  /** The player pressed Retry after the server went away. */
  onRetry(): void;
}

/** What the microphone indicator shows. */
export type MicIndicatorState = 'off' | 'live' | 'waiting';

/** The on-screen interface of the demo. */
export class Hud {
  readonly root: HTMLElement;
  private readonly mode = el('div', 'badge mode', 'connecting…');
  private readonly inventory = el('div', 'inventory');
  private readonly ptt = el('div', 'ptt');
  private readonly mic = el('button', 'mic');
  private readonly offlineNote = el('div', 'banner offline');
  private readonly offlineText = el('span', '');
  private readonly input = el('input', 'say');
  private readonly micPrompt = el('div', 'banner mic-prompt');
  private readonly textOnlyNote = el('div', 'banner text-only');
  private readonly personaError = el('div', 'banner persona-error');
  private readonly notice = el('div', 'banner notice');
  private readonly debug = el('pre', 'debug');
  private noticeTimer = 0;
  private modeText = '';
  private textOnlyMode = false;

  constructor(parent: HTMLElement, private readonly handlers: HudHandlers) {
    this.root = el('div', 'hud');
    const top = el('div', 'top');
    top.append(this.mode, this.inventory);
    const bottom = el('form', 'bottom');
    this.input.type = 'text';
    this.input.placeholder = 'Type to the nearest villager…';
    this.input.setAttribute('aria-label', 'Say something to the nearest villager');
    this.input.maxLength = 200;
    const send = el('button', 'send', 'Say');
    send.type = 'submit';
    this.mic.type = 'button';
    this.mic.addEventListener('click', () => handlers.onToggleVoice());
    bottom.append(this.mic, this.ptt, this.input, send);
    bottom.addEventListener('submit', (e) => {
      e.preventDefault();
      const text = this.input.value.trim();
      if (!text) return;
      if (!handlers.onSay(text)) return;
      this.input.value = '';
      // Back to walking: the arrow keys belong to the game again (blur re-enables its keyboard).
      this.input.blur();
    });
    this.input.addEventListener('focus', () => handlers.onTyping(true));
    this.input.addEventListener('blur', () => handlers.onTyping(false));
    this.input.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') this.input.blur();
    });

    this.micPrompt.innerHTML = '';
    const msg = el('span', '', 'Talk to the villagers with your voice? The game needs your microphone.');
    const allow = el('button', 'allow', 'Enable microphone');
    allow.type = 'button';
    allow.addEventListener('click', () => handlers.onEnableMic());
    const typeOnly = el('button', 'type-only', 'Type only');
    typeOnly.type = 'button';
    typeOnly.addEventListener('click', () => handlers.onTypeOnly());
    this.micPrompt.append(msg, allow, typeOnly);
    this.micPrompt.hidden = true;
    const retry = el('button', 'retry', 'Retry');
    retry.type = 'button';
    retry.addEventListener('click', () => handlers.onRetry());
    this.offlineNote.append(this.offlineText, retry);
    this.offlineNote.hidden = true;
    this.textOnlyNote.hidden = true;
    this.personaError.hidden = true;
    this.notice.hidden = true;
    this.debug.hidden = true;

    this.root.append(top, this.micPrompt, this.offlineNote, this.textOnlyNote, this.personaError, this.notice, this.debug, bottom);
    parent.append(this.root);
    this.setPtt(null, false);
    this.setMic('off', null);
    this.setInventory([]);
  }

  /** The microphone indicator: off, live (and to whom), or waiting for the browser's permission. */
  setMic(state: MicIndicatorState, to: string | null): void {
    const text =
      state === 'live'
        ? `● Mic live: ${to ?? 'a villager'} hears you`
        : state === 'waiting'
          ? '○ Mic: waiting for microphone permission…'
          : this.textOnlyMode
            ? '○ Mic off (typing only)'
            : '○ Mic off';
    if (this.mic.textContent !== text) this.mic.textContent = text;
    this.mic.dataset.state = state;
    this.mic.title = this.textOnlyMode ? 'Typing only' : 'Click to type only';
  }

  /** The indicator's state as shown. */
  get micState(): MicIndicatorState {
    const s = this.mic.dataset.state;
    return s === 'live' || s === 'waiting' ? s : 'off';
  }

  /**
   * Offline (the server cannot be reached): the mode badge says so and a banner explains it in the player's words,
   * with a Retry button; `message` replaces the banner text (e.g. after a failed retry). `false` clears it.
   */
  setOffline(offline: boolean, message = "The village server can't be reached, so the villagers can't hear you. What you typed is kept."): void {
    this.offlineNote.hidden = !offline;
    this.offlineText.textContent = message;
    this.mode.classList.toggle('offline', offline);
    if (offline) this.mode.textContent = 'Offline';
    else if (this.modeText) this.mode.textContent = this.modeText;
  }

  /** Whether the offline banner is up. */
  get isOffline(): boolean {
    return !this.offlineNote.hidden;
  }

  /** Puts a line the villagers never got back into the text box (unless the player already typed something new). */
  restoreTyped(text: string): void {
    if (this.input.value.trim() === '') this.input.value = text;
  }

  /** Shows the server mode badge. */
  setMode(mode: string, transport: string): void {
    const server = mode === 'openai' ? 'OpenAI Realtime' : mode === 'emulator' ? 'Local emulator' : `Offline (${mode})`;
    this.modeText = `${server} · ${transport === 'webrtc' ? 'WebRTC' : 'WebSocket'}`;
    if (!this.isOffline) this.mode.textContent = this.modeText;
    this.mode.dataset.mode = mode;
    this.mode.dataset.transport = transport;
  }

  setInventory(items: readonly string[]): void {
    this.inventory.replaceChildren(el('span', 'label', 'Bag:'), ...(items.length ? items.map((i) => el('span', `item item-${i}`, i)) : [el('span', 'empty', 'empty')]));
  }

  /**
   * Updates the talk hint: who would hear the player and how — a push-to-talk villager while SPACE is held; a
   * hands-free one (`handsFree` is then the microphone's state) just by talking once the microphone is live.
   */
  setPtt(npcName: string | null, held: boolean, micLevel = 0, handsFree: MicIndicatorState | null = null): void {
    if (this.textOnlyMode) {
      this.ptt.textContent = 'Microphone off: type below';
      this.ptt.dataset.state = 'text-only';
      return;
    }
    if (held) {
      this.ptt.textContent = `● Talking to ${npcName ?? 'nobody'}… release SPACE to send`;
      this.ptt.dataset.state = 'held';
      this.ptt.style.setProperty('--level', String(Math.min(1, micLevel * 2)));
    } else {
      this.ptt.textContent = !npcName
        ? 'Hold SPACE to talk (walk up to a villager)'
        : handsFree === 'live'
          ? `${npcName} hears you: just talk`
          : handsFree === 'waiting'
            ? `Allow the microphone to talk to ${npcName}`
            : handsFree === 'off'
              ? `${npcName} listens hands-free once the microphone is on`
              : `Hold SPACE to talk to ${npcName}`;
      this.ptt.dataset.state = 'idle';
    }
  }

  /** Who the text box reaches: the villager in hearing range (the same one the microphone would), or nobody. */
  setInputTarget(npcName: string | null): void {
    const text = npcName ? `Type to ${npcName}…` : 'Nobody is near enough to hear you: walk up to a villager';
    if (this.input.placeholder !== text) this.input.placeholder = text;
  }

  /** What is typed in the text box now (kept when a line could not be sent). */
  get typed(): string {
    return this.input.value;
  }

  showMicPrompt(show: boolean): void {
    this.micPrompt.hidden = !show;
  }

  /** Voice again after the player chose typing only (not after a denied microphone: the browser decides that). */
  clearTextOnly(): void {
    this.textOnlyMode = false;
    this.textOnlyNote.hidden = true;
    this.setPtt(null, false);
  }

  /** Switches to typing only, with the reason shown. */
  setTextOnly(reason: string): void {
    this.textOnlyMode = true;
    this.micPrompt.hidden = true;
    this.textOnlyNote.textContent = `${reason} You can still type to the villagers.`;
    this.textOnlyNote.hidden = false;
    this.setPtt(null, false);
  }

  get isTextOnly(): boolean {
    return this.textOnlyMode;
  }

  /** Shows (or clears, with null) a persona validation error. */
  setPersonaError(message: string | null): void {
    this.personaError.hidden = message === null;
    this.personaError.textContent = message ?? '';
  }

  /** The persona error on screen, or null. */
  personaErrorText(): string | null {
    return this.personaError.hidden ? null : this.personaError.textContent;
  }

  /** A short message that fades after a few seconds. */
  showNotice(message: string, ms = 4000): void {
    this.notice.textContent = message;
    this.notice.hidden = false;
    clearTimeout(this.noticeTimer);
    this.noticeTimer = window.setTimeout(() => (this.notice.hidden = true), ms);
  }

  toggleDebug(): void {
    this.debug.hidden = !this.debug.hidden;
  }

  get debugVisible(): boolean {
    return !this.debug.hidden;
  }

  setDebug(info: DebugInfo): void {
    if (this.debug.hidden) return;
    const lat = info.latenciesMs;
    const sorted = [...lat].sort((a, b) => a - b);
    const pct = (p: number) => (sorted.length ? `${Math.round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0)}` : '–');
    this.debug.textContent = [
      `renderer ${info.renderer}   ${info.fps.toFixed(0)} fps`,
      `addressed ${info.addressee ?? '–'}   mic ${(info.micLevel * 100).toFixed(0)} %`,
      `live sessions (${info.liveSessions.length}): ${info.liveSessions.join(', ') || '–'}`,
      `turn latency, player done → NPC audio (ms): last ${lat.length ? Math.round(lat[lat.length - 1] ?? 0) : '–'}  p50 ${pct(0.5)}  p95 ${pct(0.95)}  (${lat.length} turns)`,
      `  recent: ${lat.slice(-8).map((v) => Math.round(v)).join(', ') || '–'}`,
      'usage (tokens in / out):',
      ...(info.usage.length ? info.usage.map((u) => `  ${u.npc}: ${u.inputTokens} / ${u.outputTokens}`) : ['  –']),
      'F2 or ` hides this',
    ].join('\n');
  }

  /** Focuses the text box (e.g. on Enter or T). */
  focusInput(): void {
    this.input.focus();
  }
}
