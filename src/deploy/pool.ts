/**
 * Runs `worker` over `items` with at most `limit()` in flight; `limit` is read before every launch
 * so the caller can lower it while the pool runs (gateway errors drop uploads to one at a time).
 * On the first failure nothing new starts, the requests already in flight are allowed to settle
 * (so no request outlives the deploy), and then the first error is thrown.
 */
export async function runPool<T>(
  items: readonly T[],
  limit: () => number,
  worker: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  let active = 0;
  let failure: { error: unknown } | undefined;
  await new Promise<void>((resolve, reject) => {
    const pump = (): void => {
      if (failure) {
        if (active === 0) reject(failure.error);
        return;
      }
      if (next >= items.length) {
        if (active === 0) resolve();
        return;
      }
      while (!failure && active < Math.max(1, limit()) && next < items.length) {
        const index = next++;
        active++;
        worker(items[index] as T, index).then(
          () => {
            active--;
            pump();
          },
          (error: unknown) => {
            active--;
            failure ??= { error };
            pump();
          },
        );
      }
    };
    pump();
  });
}
