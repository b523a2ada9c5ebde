/** Bytes as whole MiB, as status and the memory checks print them. */
export const mib = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MiB`;
