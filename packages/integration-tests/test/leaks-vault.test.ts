import { vaultBackend } from "./support/backends.js";
import { defineLeakHunt } from "./support/hunt.js";

defineLeakHunt(vaultBackend());
