import { readdir, readFile, readlink } from 'node:fs/promises';

/**
 * Which process opened a loopback TCP connection, read from Linux's /proc. The etcd peer proxy
 * needs it: etcd advertises ONE peer URL per member, so the member's peers all dial the same proxy
 * port, and only the connecting process tells which directed link (region pair) the connection is
 * on. Linux only; elsewhere nothing is identified and the connection crosses no fault.
 */
function portOf(hexAddress: string): number {
  return parseInt(hexAddress.slice(hexAddress.lastIndexOf(':') + 1), 16);
}

async function socketInode(clientPort: number, serverPort: number): Promise<string | undefined> {
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = await readFile(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10) continue;
      if (portOf(cols[1]!) === clientPort && portOf(cols[2]!) === serverPort) return cols[9];
    }
  }
  return undefined;
}

/** The pid among `candidates` that owns the client end (`clientPort`) of a connection to `serverPort`. */
export async function connectionOwner(
  clientPort: number,
  serverPort: number,
  candidates: number[],
): Promise<number | undefined> {
  const inode = await socketInode(clientPort, serverPort);
  if (!inode || inode === '0') return undefined;
  const wanted = `socket:[${inode}]`;
  for (const pid of candidates) {
    let fds: string[];
    try {
      fds = await readdir(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if ((await readlink(`/proc/${pid}/fd/${fd}`)) === wanted) return pid;
      } catch {
        // the fd closed meanwhile
      }
    }
  }
  return undefined;
}
