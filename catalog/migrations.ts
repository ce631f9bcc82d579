import * as SqlClient from "@effect/sql/SqlClient"
import { Effect } from "effect"

const statements = (...sqls: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    for (const s of sqls) yield* sql.unsafe(s)
  })

/** Catalog schema, in order. A migration is never edited once released: add a new one. */
export const migrations = {
  "0001_catalog": statements(
    `CREATE TABLE batches (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      institution TEXT NOT NULL,
      batch_id TEXT NOT NULL,
      content_sha256 TEXT NOT NULL UNIQUE,
      title TEXT,
      collection TEXT,
      manifest_json TEXT NOT NULL,
      stored_path TEXT NOT NULL,
      submitted_at TEXT NOT NULL,
      UNIQUE (institution, batch_id)
    )`,
    `CREATE TABLE files (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      batch_seq INTEGER NOT NULL REFERENCES batches(seq),
      path TEXT NOT NULL,
      format TEXT,
      bytes INTEGER NOT NULL,
      sha256 TEXT NOT NULL,
      document_id TEXT,
      fields_json TEXT NOT NULL,
      status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done')),
      done_units INTEGER NOT NULL DEFAULT 0,
      UNIQUE (batch_seq, path)
    )`,
    `CREATE INDEX files_pending ON files (status, batch_seq, path)`,
    `CREATE TABLE documents (
      record_id TEXT PRIMARY KEY,
      batch_seq INTEGER NOT NULL REFERENCES batches(seq),
      file_id INTEGER NOT NULL REFERENCES files(id),
      local_id TEXT NOT NULL,
      path TEXT NOT NULL,
      line INTEGER NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('kept', 'excluded')),
      stage TEXT NOT NULL,
      reason_code TEXT,
      lang TEXT,
      lang_score REAL,
      langs_json TEXT,
      declared_lang TEXT,
      detected_lang TEXT,
      encoding TEXT,
      raw_bytes INTEGER NOT NULL,
      chars INTEGER NOT NULL,
      text_sha256 TEXT,
      dedup_key TEXT,
      duplicate_of TEXT,
      license TEXT,
      license_use TEXT,
      attribution INTEGER,
      profiles_json TEXT,
      fields_json TEXT NOT NULL,
      run_id INTEGER NOT NULL
    )`,
    `CREATE INDEX documents_release ON documents (status, lang, record_id)`,
    `CREATE INDEX documents_batch ON documents (batch_seq, status)`,
    `CREATE INDEX documents_duplicate_of ON documents (duplicate_of)`,
    `CREATE TABLE notes (
      record_id TEXT NOT NULL REFERENCES documents(record_id),
      kind TEXT NOT NULL CHECK (kind IN ('exclusion', 'flag')),
      stage TEXT NOT NULL,
      code TEXT NOT NULL,
      detail TEXT NOT NULL
    )`,
    `CREATE INDEX notes_record ON notes (record_id)`,
    `CREATE INDEX notes_code ON notes (kind, code)`,
    `CREATE TABLE texts (sha256 TEXT PRIMARY KEY, body TEXT NOT NULL)`,
    `CREATE TABLE dedup_keys (dedup_key TEXT PRIMARY KEY, survivor TEXT NOT NULL) WITHOUT ROWID`,
    `CREATE TABLE runs (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      started_at TEXT NOT NULL,
      finished_at TEXT,
      status TEXT NOT NULL,
      config_sha256 TEXT NOT NULL
    )`,
    `CREATE TABLE releases (
      name TEXT PRIMARY KEY,
      created_at TEXT NOT NULL,
      manifest_sha256 TEXT NOT NULL,
      out_dir TEXT NOT NULL,
      previous TEXT
    )`,
    `CREATE TABLE release_shards (
      release TEXT NOT NULL REFERENCES releases(name) ON DELETE CASCADE,
      path TEXT NOT NULL,
      sha256 TEXT NOT NULL,
      bytes INTEGER NOT NULL,
      documents INTEGER NOT NULL,
      PRIMARY KEY (release, path)
    )`,
    `CREATE TABLE ledger (
      seq INTEGER PRIMARY KEY,
      at TEXT NOT NULL,
      kind TEXT NOT NULL,
      entry_json TEXT NOT NULL,
      prev_hash TEXT NOT NULL,
      hash TEXT NOT NULL
    )`
  ),
  "0002_bag_info": statements(`ALTER TABLE batches ADD COLUMN bag_info_json TEXT`),
  "0003_pii_quality": statements(
    `ALTER TABLE documents ADD COLUMN pii_json TEXT`,
    `ALTER TABLE documents ADD COLUMN quality_json TEXT`
  ),
  "0004_near_duplicates": statements(
    `ALTER TABLE documents ADD COLUMN similarity REAL`,
    // One row per band of every indexed document: 14 rows of a 52-bit bucket and a record id.
    `CREATE TABLE lsh_buckets (bucket INTEGER NOT NULL, record_id TEXT NOT NULL, PRIMARY KEY (bucket, record_id)) WITHOUT ROWID`,
    `CREATE TABLE dedup_index (id INTEGER PRIMARY KEY CHECK (id = 1), params_json TEXT NOT NULL)`
  ),
  "0005_tokens": statements(
    // Bearer tokens of the intake server: only the SHA-256 of a token is kept.
    `CREATE TABLE tokens (
      id TEXT PRIMARY KEY,
      token_sha256 TEXT NOT NULL UNIQUE,
      institution TEXT NOT NULL,
      role TEXT NOT NULL CHECK (role IN ('partner', 'auditor', 'operator')),
      label TEXT,
      created_at TEXT NOT NULL,
      revoked_at TEXT
    )`
  ),
  "0006_stage_seam": statements(
    // The word shingles of indexed documents (sorted 32-bit hashes, little-endian), so that
    // verifying a near-duplicate candidate reads 4 bytes a word instead of re-shingling its text.
    `CREATE TABLE dedup_shingles (record_id TEXT PRIMARY KEY, shingles BLOB NOT NULL) WITHOUT ROWID`,
    // Values of the record fields that stages declare (tokens, …), as canonical JSON.
    `ALTER TABLE documents ADD COLUMN annotations_json TEXT`
  ),
  // Every release lists the withdrawn documents (tombstones.jsonl): without an index that read
  // every document (measured: 12 s at a million). They are few, so a partial index is small.
  "0007_withdrawn_index": statements(`CREATE INDEX documents_withdrawn ON documents (record_id) WHERE stage = 'withdraw'`)
}
