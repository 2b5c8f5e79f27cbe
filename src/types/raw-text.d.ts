/** `import text from './file?raw'`: the file's text, inlined by the bundler (Vite natively, esbuild through build-cli.mjs). */
declare module '*?raw' {
  const text: string;
  export default text;
}
