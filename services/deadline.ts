/**
 * Whether `work` settles within `ms`; past it the caller stops waiting (the work keeps running). The
 * timer is cleared as soon as the work settles, so it holds the process open no longer than the work.
 */
export async function finishesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const overran = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  return Promise.race([work.then(() => true as const), overran]).finally(() => clearTimeout(timer));
}
