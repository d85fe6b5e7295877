/** The engine's wake-up keys (see `Waiters`): one per job, per endpoint queue, per worker's stops and recycle hold. */
export const jobKey = (id: string): string => `job:${id}`;
export const queueKey = (endpointId: string): string => `queue:${endpointId}`;
export const stopKey = (workerId: string): string => `stop:${workerId}`;
export const recycleKey = (workerId: string): string => `recycle:${workerId}`;
