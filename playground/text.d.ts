// esbuild's text loader (scripts/build-playground.js): a YAML file imports as its text.
declare module '*.yaml' {
  const text: string;
  export default text;
}
