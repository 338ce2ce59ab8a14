import { awsBackend } from "./support/backends.js";
import { defineLeakHunt } from "./support/hunt.js";

defineLeakHunt(awsBackend());
