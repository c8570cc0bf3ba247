/**
 * `molt-wasm inspect app.wasm | head -1`: the reader goes away before molt-wasm writes. That is
 * not an error worth a stack trace (bin/molt-wasm.js ends quietly on EPIPE).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const bin = join(repo, 'bin', 'molt-wasm.js');

test('a closed stdout ends molt-wasm quietly: no stack trace, exit 0', async () => {
  const child = spawn(process.execPath, [bin, '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.destroy(); // close our end before the child starts writing
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
  assert.equal(stderr, '', `stderr: ${stderr}`);
  assert.equal(code, 0);
});

test('a reader that goes away while a guest writes ends `run` quietly too (the direct write falls back to the stream)', async () => {
  const hello = join(repo, 'guest-examples', 'dist', 'hello.wasm');
  const child = spawn(process.execPath, [bin, 'run', hello], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.destroy();
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
  assert.equal(stderr, '', `stderr: ${stderr}`);
  assert.equal(code, 0);
});
