/**
 * What node-vault gets instead of the modules it loads but the provider never
 * uses: axios, its default HTTP client (the provider passes its own request
 * function); Node's `https`, which it needs only to give axios an agent (and
 * whose loading pulls in `tls` and `crypto`, some 5 ms); and debug, its
 * default logger (the provider passes a no-op, since node-vault logs request
 * bodies). Kept in a file of its own so that a bundle can put the same
 * stand-ins in place at build time.
 */
export const STAND_INS: Readonly<Record<"axios" | "https" | "debug", unknown>> = {
  axios: {
    create(): never {
      throw new Error("node-vault's own HTTP client is not loaded: the provider sends every request itself");
    },
  },
  https: {
    Agent: function Agent(): never {
      throw new Error("node-vault's own HTTPS agent is not used: the provider sends every request itself");
    },
  },
  debug: () => () => {},
};
