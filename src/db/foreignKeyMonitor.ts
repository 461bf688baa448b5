import { isForeignKeyViolation } from "./errors.ts";

/**
 * Counts foreign-key violations raised by any query, at the driver adapter: whatever Prisma API
 * (model call, raw SQL, transaction) sent it. The deletion invariant is measured with this.
 */
export class ForeignKeyMonitor {
  violations = 0;

  watch<T extends object>(target: T): T {
    const monitor = this;
    return new Proxy(target, {
      get(object, property, receiver) {
        const value = Reflect.get(object, property, receiver);
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          const result: unknown = value.apply(object, args);
          if (!(result instanceof Promise)) return result;
          return result.then(
            (resolved: unknown) =>
              property === "connect" || property === "startTransaction" ? monitor.watch(resolved as object) : resolved,
            (error: unknown) => {
              if (isForeignKeyViolation(error)) monitor.violations++;
              throw error;
            },
          );
        };
      },
    });
  }
}
