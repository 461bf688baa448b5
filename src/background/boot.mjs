// A worker thread does not inherit the TypeScript loader `npm start` runs under; it registers it itself.
import { register } from "tsx/esm/api";

register();
await import("./thread.ts");
