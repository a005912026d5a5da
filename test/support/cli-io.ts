import type { CliIo } from '../../functions/cli/io.ts';

/**
 * An in-memory CliIo: files from a map (key `/dev/stdin` for `-f -`, read as fd 0), directories
 * implied by the paths of the files in them, output collected.
 */
export interface MemoryIo extends CliIo {
  out: string;
  err: string;
  reads: string[];
}

export function memoryIo(files: Record<string, string>): MemoryIo {
  const under = (dir: string): string[] => Object.keys(files).filter((path) => path.startsWith(`${dir.replace(/\/$/, '')}/`));
  const io: MemoryIo = {
    out: '',
    err: '',
    reads: [],
    readFile(file) {
      const path = file === 0 ? '/dev/stdin' : file;
      io.reads.push(path);
      const text = files[path];
      if (text === undefined) {
        const code = under(path).length > 0 ? 'EISDIR' : 'ENOENT';
        throw Object.assign(new Error(`${code}: ${code === 'EISDIR' ? 'illegal operation on a directory' : 'no such file or directory'}, open '${path}'`), { code });
      }
      return text;
    },
    isDirectory: (path) => under(path).length > 0,
    listDirectory: (path) => [...new Set(under(path).map((p) => p.slice(path.replace(/\/$/, '').length + 1).split('/')[0] as string))],
    stdout(text) {
      io.out += text;
    },
    stderr(text) {
      io.err += text;
    },
  };
  return io;
}
