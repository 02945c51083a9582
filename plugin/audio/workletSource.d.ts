// `import code from './x.worklet.ts?worklet-source'`: the worklet bundled into one ES module, as a string
// (build/workletSource.ts).
declare module '*?worklet-source' {
  const code: string;
  export default code;
}
