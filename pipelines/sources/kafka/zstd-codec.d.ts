/** zstd-codec ships no types: the part codecs.ts uses. */
declare module 'zstd-codec' {
  export const ZstdCodec: { run(callback: (api: never) => void): void };
}
