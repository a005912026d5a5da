import { readdirSync, readFileSync, statSync } from 'node:fs';

/** What the CLI touches outside itself, so tests run it in memory. */
export interface CliIo {
  /** Reads a file, or standard input when given file descriptor 0. */
  readFile(path: string | 0): string;
  /** Whether `path` is a directory (false for files and for paths that do not exist). */
  isDirectory(path: string): boolean;
  /** The names of a directory's entries. */
  listDirectory(path: string): string[];
  stdout(text: string): void;
  stderr(text: string): void;
}

/** The real process: files, standard output and standard error. */
export const processIo: CliIo = {
  readFile: (path) => readFileSync(path, 'utf8'),
  isDirectory: (path) => {
    try {
      return statSync(path).isDirectory();
    } catch {
      return false;
    }
  },
  listDirectory: (path) => readdirSync(path),
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};
