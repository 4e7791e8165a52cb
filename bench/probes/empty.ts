/** Module-load probe: nothing at all (the cost of requiring any bundle). */
export const handler = async (): Promise<{ statusCode: number }> => Promise.resolve({ statusCode: 200 });
