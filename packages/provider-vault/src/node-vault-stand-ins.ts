/**
 * What node-vault gets instead of the modules it loads but the provider never
 * uses: axios, its default HTTP client (the provider passes its own request
 * function); Node's `https`, which it needs only to give axios an agent (and
 * whose loading pulls in `tls` and `crypto`, some 5 ms); debug, its default
 * logger (the provider passes a no-op, since node-vault logs request bodies);
 * and what builds its hundred-odd command methods (`read`, `write`,
 * `approleLogin`...), which the provider never calls, since it sends every
 * request through `request()`: the command table (`./commands.js`), mustache
 * for their paths and tv4 for their arguments. Those three are some 120 KB of
 * code to compile and run on every start. `request()` itself still checks its
 * options with tv4's `validate`, which the tv4 stand-in does for that one
 * schema. Kept in a file of its own so that a bundle can put the same
 * stand-ins in place at build time.
 */
export const STAND_INS: Readonly<
  Record<"axios" | "https" | "debug" | "tv4" | "mustache" | "./commands.js", unknown>
> = {
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
  tv4: requestCheck(),
  mustache: {
    render(): never {
      throw new Error("node-vault's command methods are not built: the provider sends every request itself");
    },
  },
  // No commands: node-vault builds no command methods.
  "./commands.js": Object.freeze({}),
};

interface RequestSchema {
  readonly required?: readonly string[];
  readonly properties?: Readonly<Record<string, { readonly type?: string }>>;
}

/**
 * tv4's `validate` and `error`, for the one schema node-vault checks when it
 * has no commands: `request()`'s options, an object whose required fields are
 * there, and whose fields with a declared type (`string`) have it.
 */
function requestCheck(): { error: Error | null; validate(data: unknown, schema: RequestSchema): boolean } {
  return {
    error: null,
    validate(data, schema) {
      this.error = null;
      const fail = (message: string): boolean => {
        this.error = new TypeError(`node-vault request options: ${message}`);
        return false;
      };
      if (typeof data !== "object" || data === null || Array.isArray(data)) return fail("not an object");
      const fields = data as Record<string, unknown>;
      for (const key of schema.required ?? []) if (!Object.hasOwn(fields, key)) return fail(`no ${key}`);
      for (const [key, { type }] of Object.entries(schema.properties ?? {}))
        if (type !== undefined && Object.hasOwn(fields, key) && typeof fields[key] !== type)
          return fail(`${key} is not a ${type}`);
      return true;
    },
  };
}
