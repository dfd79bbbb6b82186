// The CLI's side of the control socket (see control-server.ts): sends one command to the server
// holding the embedded data folder and relays what it writes, with back-pressure, until its exit
// code arrives.
import { createWriteStream, type WriteStream } from 'node:fs';
import { request as httpRequest } from 'node:http';
import type { CommandIo } from '../cli/command-host.js';
import type { ControlRequest } from './control-server.js';

/** Thrown when the socket cannot be reached (the server is gone): the CLI then runs on its own. */
export class ControlUnreachableError extends Error {}

/**
 * Runs `request` in the server. `outputFile` receives standard output instead of `io.out`
 * (`export --output`: the file is written by the CLI, relative to its own directory).
 */
export function runThroughServer(
  socket: string,
  request: ControlRequest,
  io: CommandIo,
  outputFile: string | null = null,
): Promise<number> {
  return new Promise((resolve, reject) => {
    let file: WriteStream | null = null;
    const out = (): NodeJS.WritableStream => {
      if (outputFile === null) return io.out;
      file ??= createWriteStream(outputFile);
      return file;
    };
    const finish = (code: number) => {
      if (outputFile === null) return resolve(code);
      // A successful export of nothing still leaves its (empty) file, as it does locally.
      const stream = file ?? (code === 0 ? out() : null);
      if (stream === null) return resolve(code);
      stream.end(() => resolve(code));
    };
    const req = httpRequest(
      { socketPath: socket, method: 'POST', path: '/run', headers: { 'content-type': 'application/json' } },
      (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          reject(new Error(`the server's control socket answered ${res.statusCode}`));
          return;
        }
        let pending = '';
        let exit: number | null = null;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          pending += chunk;
          let newline = pending.indexOf('\n');
          while (newline >= 0) {
            const frame = JSON.parse(pending.slice(0, newline)) as {
              out?: string;
              err?: string;
              exit?: number;
            };
            pending = pending.slice(newline + 1);
            if (frame.out !== undefined && !out().write(frame.out)) {
              res.pause();
              out().once('drain', () => res.resume());
            }
            if (frame.err !== undefined) io.err.write(frame.err);
            if (frame.exit !== undefined) exit = frame.exit;
            newline = pending.indexOf('\n');
          }
        });
        res.on('end', () => {
          if (exit !== null) return finish(exit);
          io.err.write('tally: the server stopped before the command finished\n');
          finish(1);
        });
        res.on('error', reject);
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ECONNREFUSED')
        reject(new ControlUnreachableError(error.message));
      else reject(error);
    });
    req.end(JSON.stringify(request));
  });
}
