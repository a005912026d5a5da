import type { CliIo } from '../../functions/cli/main.ts';

/** An in-memory CliIo: files from a map (key `/dev/stdin` for `-f -`, read as fd 0), output collected. */
export interface MemoryIo extends CliIo {
  out: string;
  err: string;
  reads: string[];
}

export function memoryIo(files: Record<string, string>): MemoryIo {
  const io: MemoryIo = {
    out: '',
    err: '',
    reads: [],
    readFile(file) {
      const path = file === 0 ? '/dev/stdin' : file;
      io.reads.push(path);
      const text = files[path];
      if (text === undefined) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
      return text;
    },
    stdout(text) {
      io.out += text;
    },
    stderr(text) {
      io.err += text;
    },
  };
  return io;
}
