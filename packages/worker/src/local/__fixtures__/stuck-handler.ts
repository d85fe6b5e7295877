// A bug: the handler's promise can never settle, and nothing keeps Node busy.
import { start } from "../../index.js";

start({ handler: () => new Promise(() => {}) });
