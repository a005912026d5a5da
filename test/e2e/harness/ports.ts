// Free TCP ports on the loopback interface. The kernel picks a port for a listener bound to
// port 0; we read it and close the listener. Another process could take it before ours binds,
// so startProcess() callers retry with a new port when a server fails to listen.
import { createServer } from 'node:net';

export const LOOPBACK = '127.0.0.1';

/** One free port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host: LOOPBACK, port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}

/** `count` distinct free ports on 127.0.0.1. */
export async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  let attempts = 0;
  while (ports.size < count) {
    if (++attempts > count * 20) throw new Error(`could not find ${count} distinct free ports`);
    ports.add(await freePort());
  }
  return [...ports];
}
