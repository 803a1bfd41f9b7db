// The blob store in PostgreSQL: blobs of any size round-trip, ranges are exact at and around
// chunk boundaries, reads stream chunk by chunk, a missing blob fails like on disk (ENOENT),
// and deleting removes every chunk.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { blobChunkBytes, PostgresBlobStore } from '../../src/blobs/postgres.ts';
import type { PostgresStore } from '../../src/store/postgres/store.ts';
import { freshSchemaStore, postgresUnavailable } from '../support/postgres.ts';

const skip = await postgresUnavailable();

const CHUNK = blobChunkBytes;

async function collect(stream: Readable): Promise<{ bytes: Buffer; pieces: number[] }> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return { bytes: Buffer.concat(parts), pieces: parts.map((p) => p.length) };
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

let keyCounter = 0;
const newKey = () => `blob_${randomBytes(8).toString('hex')}_${++keyCounter}`;

describe('PostgresBlobStore', { skip }, () => {
  let store: PostgresStore;
  let blobs: PostgresBlobStore;
  let cleanup: () => Promise<void>;

  before(async () => {
    ({ store, cleanup } = await freshSchemaStore());
    blobs = store.blobStore();
  });

  after(async () => {
    await cleanup?.();
  });

  async function chunkRows(key: string): Promise<number> {
    const [row] = await store.sql<{ n: number }[]>`SELECT count(*) AS n FROM blob_chunks WHERE key = ${key}`;
    return row?.n ?? 0;
  }

  test('a 10 MB blob written in uneven pieces reads back identical, streamed chunk by chunk', async () => {
    const data = randomBytes(10 * 1024 * 1024 + 12_345);
    // Pieces that do not line up with chunks: tiny, odd, larger than a chunk.
    const pieces: Buffer[] = [];
    const sizes = [1, 1000, CHUNK - 1001, 3 * CHUNK + 7, 77];
    let offset = 0;
    for (let i = 0; offset < data.length; i++) {
      const size = sizes[i % sizes.length] as number;
      pieces.push(data.subarray(offset, offset + size));
      offset += size;
    }
    const key = newKey();
    await blobs.put(key, pieces);
    assert.equal(await chunkRows(key), Math.ceil(data.length / CHUNK));
    const { bytes, pieces: read } = await collect(blobs.read(key));
    assert.equal(bytes.length, data.length);
    assert.equal(sha256(bytes), sha256(data));
    assert.ok(Math.max(...read) <= CHUNK, 'no piece larger than a chunk');
    assert.ok(read.length >= Math.ceil(data.length / CHUNK), 'streamed in pieces');
  });

  test('ranges at and around chunk boundaries are exact', async () => {
    const data = randomBytes(3 * CHUNK + 100);
    const key = newKey();
    await blobs.put(key, [data]);
    const ranges: [number, number][] = [
      [0, 1],
      [0, CHUNK],
      [0, CHUNK + 1],
      [CHUNK - 1, CHUNK],
      [CHUNK - 1, CHUNK + 1],
      [CHUNK, CHUNK + 1],
      [CHUNK, 2 * CHUNK],
      [CHUNK + 5, 3 * CHUNK + 3],
      [10, 20],
      [2 * CHUNK - 3, 3 * CHUNK + 100],
      [3 * CHUNK, 3 * CHUNK + 100],
      [3 * CHUNK + 99, 3 * CHUNK + 100],
      [0, data.length],
    ];
    for (const [start, end] of ranges) {
      const { bytes } = await collect(blobs.read(key, { start, end }));
      assert.deepEqual(bytes, data.subarray(start, end), `[${start}, ${end})`);
    }
    // Like a file: past the end stops at the end; an empty range is empty.
    assert.deepEqual(
      (await collect(blobs.read(key, { start: 3 * CHUNK, end: 5 * CHUNK }))).bytes,
      data.subarray(3 * CHUNK),
    );
    assert.equal(
      (await collect(blobs.read(key, { start: data.length + 10, end: data.length + 20 }))).bytes.length,
      0,
    );
    assert.equal((await collect(blobs.read(key, { start: 50, end: 50 }))).bytes.length, 0);
  });

  test('small and empty blobs', async () => {
    const small = newKey();
    await blobs.put(small, [Buffer.from('hello '), Buffer.from('world')]);
    assert.equal((await collect(blobs.read(small))).bytes.toString(), 'hello world');
    assert.equal((await collect(blobs.read(small, { start: 6, end: 11 }))).bytes.toString(), 'world');
    const empty = newKey();
    await blobs.put(empty, []);
    assert.equal((await collect(blobs.read(empty))).bytes.length, 0, 'an empty blob exists and is empty');
  });

  test('writing a key again replaces the blob whole', async () => {
    const key = newKey();
    await blobs.put(key, [randomBytes(2 * CHUNK + 1)]);
    await blobs.put(key, [Buffer.from('short')]);
    assert.equal((await collect(blobs.read(key))).bytes.toString(), 'short');
    assert.equal(await chunkRows(key), 1);
  });

  test('reading a missing blob fails with ENOENT, like the disk store', async () => {
    for (const range of [undefined, { start: 0, end: 10 }]) {
      await assert.rejects(collect(blobs.read(newKey(), range)), (err: NodeJS.ErrnoException) => {
        assert.equal(err.code, 'ENOENT');
        return true;
      });
    }
  });

  test('delete removes blobs and all their chunks; missing keys are ignored', async () => {
    const [a, b, c] = [newKey(), newKey(), newKey()];
    await blobs.put(a, [randomBytes(CHUNK * 2 + 10)]);
    await blobs.put(b, [Buffer.from('b')]);
    await blobs.put(c, [Buffer.from('c')]);
    await blobs.delete([a, b, newKey()]);
    await blobs.delete([]);
    assert.equal(await chunkRows(a), 0);
    assert.equal(await chunkRows(b), 0);
    await assert.rejects(collect(blobs.read(a)), { code: 'ENOENT' });
    await assert.rejects(collect(blobs.read(b)), { code: 'ENOENT' });
    assert.equal((await collect(blobs.read(c))).bytes.toString(), 'c', 'others stay');
  });

  test('a store made from the connection works alike', async () => {
    const other = new PostgresBlobStore(store.sql, { chunkBytes: 1000 });
    const data = randomBytes(4321);
    const key = newKey();
    await other.put(key, [data]);
    assert.equal(await chunkRows(key), 5);
    // Read back by the default store: the blob's own chunk size counts, not the reader's.
    assert.deepEqual(
      (await collect(blobs.read(key, { start: 999, end: 2001 }))).bytes,
      data.subarray(999, 2001),
    );
    assert.deepEqual((await collect(other.read(key))).bytes, data);
  });
});
