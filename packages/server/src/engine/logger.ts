/** The slice of a pino logger the engine uses; pino itself satisfies it. */
export interface EngineLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const noop = (): void => {};
export const silentLogger: EngineLogger = { debug: noop, info: noop, warn: noop, error: noop };
