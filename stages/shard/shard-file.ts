import { createHash } from "node:crypto"
import { createWriteStream, renameSync, type WriteStream } from "node:fs"
import { once } from "node:events"
import { createGzip, constants, type Gzip, type ZlibOptions } from "node:zlib"

export interface ClosedShard {
  readonly sha256: string
  readonly bytes: number
  readonly documents: number
  readonly characters: number
  readonly uncompressedBytes: number
}

/**
 * One `.jsonl.gz` shard, written under a temporary name and renamed when complete. Records are fed
 * in the same order with no flush before the end, so the same records always give the same gzip
 * bytes (Node writes a zero mtime in the gzip header).
 */
export class ShardFile {
  private readonly gzip: Gzip
  private readonly out: WriteStream
  private readonly hash = createHash("sha256")
  private compressedBytes = 0
  documents = 0
  characters = 0
  uncompressedBytes = 0

  constructor(private readonly finalPath: string) {
    // Level 4 compresses nearly as well as 6 (measured 0.400 vs 0.385 on Spanish prose) at twice
    // the speed; the large buffer lets the main thread go on serialising while zlib works.
    const options: ZlibOptions & { highWaterMark: number } = { level: 4, strategy: constants.Z_DEFAULT_STRATEGY, highWaterMark: 4 * 1024 * 1024 }
    this.gzip = createGzip(options)
    this.out = createWriteStream(`${finalPath}.tmp`)
    this.gzip.on("data", (chunk: Buffer) => {
      this.hash.update(chunk)
      this.compressedBytes += chunk.length
    })
    this.gzip.pipe(this.out)
  }

  async write(line: string, characters: number): Promise<void> {
    const buf = Buffer.from(line + "\n", "utf8")
    this.documents++
    this.characters += characters
    this.uncompressedBytes += buf.length
    if (!this.gzip.write(buf)) await once(this.gzip, "drain")
  }

  async close(): Promise<ClosedShard> {
    this.gzip.end()
    await once(this.out, "close")
    renameSync(`${this.finalPath}.tmp`, this.finalPath)
    return {
      sha256: this.hash.digest("hex"),
      bytes: this.compressedBytes,
      documents: this.documents,
      characters: this.characters,
      uncompressedBytes: this.uncompressedBytes
    }
  }
}
