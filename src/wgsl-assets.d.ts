// The asset imports of the sources, in vite's conventions (resolved by vite, vitest, the library
// build, and scripts/dev/asset-loader.mjs under plain Node): a file's text, or its bytes as a
// base64 data: URL.
declare module '*.wgsl?raw' {
  const text: string;
  export default text;
}
declare module '*.tflite?inline' {
  const dataUrl: string;
  export default dataUrl;
}
