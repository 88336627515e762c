// dcmjs ships no type declarations; only its logger is used here.
declare module 'dcmjs' {
  export const log: { getLogger(name: string): { setLevel(level: 'silent' | 'error' | 'warn' | 'info' | 'debug'): void } };
}
