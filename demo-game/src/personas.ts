// The designers' persona files, bundled as raw text so a broken edit never breaks the module graph: the game parses
// them itself and shows what is wrong. Saving a file while the game runs re-evaluates this module through Vite HMR,
// and the accept handler hands the changed files to whoever subscribed (the voice wiring).
const files = import.meta.glob<string>('../../assets/personas/*.json', { query: '?raw', import: 'default', eager: true });

/** Persona file text by id (the file name without `.json`). */
export const personaSources: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(files).map(([path, text]) => [path.replace(/^.*\//, '').replace(/\.json$/, ''), text]),
);

/** Called with each changed persona file (id, new text). */
export type PersonaFileListener = (id: string, text: string) => void;

interface HotData {
  listeners?: Set<PersonaFileListener>;
  sources?: Record<string, string>;
}

const hotData: HotData = (import.meta.hot?.data as HotData | undefined) ?? {};
// Kept in hot.data so listeners registered by the running game survive this module being replaced.
const listeners = (hotData.listeners ??= new Set<PersonaFileListener>());
hotData.sources ??= { ...personaSources };

/** Subscribes to persona file edits (dev only; never fires in a production build). Returns the unsubscribe. */
export function onPersonaFileChange(fn: PersonaFileListener): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

if (import.meta.hot) {
  import.meta.hot.accept((next) => {
    const updated = (next as { personaSources?: Record<string, string> } | undefined)?.personaSources;
    if (!updated) return;
    const before = hotData.sources ?? {};
    hotData.sources = { ...updated };
    for (const [id, text] of Object.entries(updated)) {
      if (before[id] === text) continue;
      for (const fn of listeners) fn(id, text);
    }
  });
}
