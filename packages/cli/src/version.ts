import pkg from "../package.json" with { type: "json" };

/** The CLI's version, as published. */
export const CLI_VERSION: string = pkg.version;
