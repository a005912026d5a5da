import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Child process for the load benchmark: the floor. A bare Node HTTP server that reads the body,
 * JSON.parses it, and answers a fixed AdmissionReview; nothing else. With a file argument, the
 * fixed answer is that file (the local server's real answer, patch included, so that the floor
 * sends as many bytes). Prints one JSON line with its URL, then serves until the parent kills it.
 */
const answerFile = process.argv[2];
const answer = answerFile
  ? readFileSync(answerFile, 'utf8')
  : JSON.stringify({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: { uid: '00000000-0000-0000-0000-000000000000', allowed: true },
    });
const length = Buffer.byteLength(answer);
let sink = 0;
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { kind?: unknown };
    if (parsed.kind === 'x') sink++;
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': length });
    res.end(answer);
  });
});
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}/mutate`, pid: process.pid, sink })}\n`);
});
