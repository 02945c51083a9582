// Vite plugin: `import code from './x.worklet.ts?worklet-source'` gives the worklet bundled with its imports into one
// minified ES module, as a string. The plugin loads it from a `blob:` URL when the worklet's file URL fails (see
// plugin/audio/loadWorklet.ts). Used by this repository's vite.config.ts (library build and demo) and vitest.
import { build, type Plugin, type Rollup } from 'vite';

const SUFFIX = '?worklet-source';

export function workletSource(): Plugin {
  return {
    name: 'npc-voice:worklet-source',
    enforce: 'pre',
    async resolveId(id, importer) {
      if (!id.endsWith(SUFFIX)) return null;
      const resolved = await this.resolve(id.slice(0, -SUFFIX.length), importer, { skipSelf: true });
      return resolved ? `\0${resolved.id}${SUFFIX}` : null;
    },
    async load(id) {
      if (!id.startsWith('\0') || !id.endsWith(SUFFIX)) return null;
      const file = id.slice(1, -SUFFIX.length);
      this.addWatchFile(file);
      const result = await build({
        configFile: false,
        logLevel: 'silent',
        build: {
          write: false,
          minify: true,
          lib: { entry: file, formats: ['es'], fileName: 'worklet' },
        },
      });
      const outputs = (Array.isArray(result) ? result : [result]) as Rollup.RollupOutput[];
      const chunk = outputs.flatMap((o) => o.output).find((o): o is Rollup.OutputChunk => o.type === 'chunk');
      if (!chunk) throw new Error(`worklet-source: no code built for ${file}`);
      return `export default ${JSON.stringify(chunk.code)};`;
    },
  };
}
