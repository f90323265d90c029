// Package store is the durable half of the library: articles, their chunks
// and vectors, the manifest that says how they were made, a change log, and
// user data (feedback) that can never be rebuilt. retrieval/index keeps the
// in-memory search structures in step with a Store; the article files stay
// the source of truth for everything but user data.
//
// The SQLite implementation lives in store/sqlite. A second backend (e.g.
// PostgreSQL with pgvector) must provide the same guarantees:
//   - every write method is one transaction: after a crash the store holds
//     each article wholly old or wholly new, never a mix;
//   - Read gives one consistent snapshot for everything fn reads, even while
//     another process writes;
//   - every write that changes an article appends to the change log with a
//     sequence number that only grows, so other processes can catch up from
//     Changes (PostgreSQL can add LISTEN/NOTIFY on top to wake them);
//   - schema changes are migrations that keep user data; derived data may be
//     dropped (DropDerived) and rebuilt from the articles.
package store

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/citebot/citebot/retrieval"
)

// ErrNotFound is returned (wrapped) for an article the store does not hold.
var ErrNotFound = errors.New("article not found")

// ErrCorrupt marks stored data that cannot be trusted: what an integrity
// check or a decode failure proves, never a mere busy or locked database.
var ErrCorrupt = errors.New("store is corrupt")

// Manifest records what the stored chunks and vectors were made with. A
// different embedder or chunker makes the stored vectors useless.
type Manifest struct {
	Embedder  string // retrieval.Embedder.Name()
	Model     string // retrieval.Embedder.Model()
	Dimension int    // 0 until the first vector is stored
	Chunker   string // retrieval.ChunkOptions.String()
}

// Matches reports whether vectors stored under m can be used with the given
// embedder and chunker. A manifest that records nothing (a fresh store)
// matches anything.
func (m Manifest) Matches(name, model, chunker string) bool {
	if m.Embedder == "" && m.Model == "" && m.Chunker == "" {
		return true
	}
	return m.Embedder == name && m.Model == model && m.Chunker == chunker
}

// String names the configuration for log messages.
func (m Manifest) String() string {
	s := m.Embedder
	if m.Model != "" {
		s += " (" + m.Model + ")"
	}
	if m.Dimension > 0 {
		s += fmt.Sprintf(" %d dims", m.Dimension)
	}
	if m.Chunker != "" {
		s += ", chunks " + m.Chunker
	}
	return s
}

// StoredChunk is one chunk as a snapshot reads it.
type StoredChunk struct {
	// Key identifies the chunk row; it changes whenever the chunk is
	// rewritten.
	Key   int64
	Chunk retrieval.Chunk
	// Vector is the raw little-endian float32 vector (see DecodeVector),
	// nil when the snapshot was read without vectors. It is only valid
	// during the callback that receives it.
	Vector []byte
}

// ArticleWrite is one article to store with all of its chunks and their
// vectors (parallel to Chunks).
type ArticleWrite struct {
	Article retrieval.Article // with Body
	Chunks  []retrieval.Chunk
	Vectors [][]float32
}

// Snapshot reads the store as it was at one moment.
type Snapshot interface {
	// Manifest is the manifest at the snapshot.
	Manifest() Manifest
	// Seq is the last change log sequence number the snapshot includes.
	Seq() int64
	// Articles calls fn with every article's metadata (Body empty),
	// or only those in ids when ids is not nil.
	Articles(ctx context.Context, ids []string, fn func(retrieval.Article) error) error
	// ChunkCount is the number of chunks stored.
	ChunkCount(ctx context.Context) (int, error)
	// Chunks calls fn with every chunk (or those of the articles in ids,
	// when ids is not nil), with vectors when withVectors is set.
	Chunks(ctx context.Context, ids []string, withVectors bool, fn func(StoredChunk) error) error
}

// ChangeKind says what happened to an article in the change log.
type ChangeKind string

const (
	// Upserted: the article was added or replaced (or its path changed).
	Upserted ChangeKind = "upsert"
	// Deleted: the article was removed.
	Deleted ChangeKind = "delete"
	// ResetAll: every chunk was dropped for a re-embed; readers reload.
	ResetAll ChangeKind = "reset"
)

// Change is one entry of the change log.
type Change struct {
	Seq       int64
	ArticleID string // "" for ResetAll
	Kind      ChangeKind
	Time      time.Time
}

// Feedback is one vote on an answer, kept for review. It is user data: no
// migration or recovery ever drops it. Scope and Place are neutral names for
// where the vote was cast (on Discord: the server and the channel); UserHash
// is a salted hash, never a raw user ID.
type Feedback struct {
	Time      time.Time `json:"time"`
	Scope     string    `json:"scope"`
	Place     string    `json:"place"`
	UserHash  string    `json:"user_hash"`
	Question  string    `json:"question"`
	Answer    string    `json:"answer"`
	Citations []string  `json:"citations"` // cited article IDs in order
	Vote      int       `json:"vote"`      // +1 helpful, -1 not helpful
	// Comment is what the voter said was wrong ("" = nothing).
	Comment string `json:"comment"`
	// AnswerID names the answer voted on ("" = unknown); a person's vote
	// on an answer replaces their earlier one.
	AnswerID string `json:"answer_id,omitempty"`
}

// SourceKind names a kind of library source.
type SourceKind string

// Folder is a directory whose article files are indexed where they are and
// followed for changes.
const Folder SourceKind = "folder"

// Source is a place the library takes articles from, registered by the
// operator and kept across restarts. It is user data.
type Source struct {
	Kind     SourceKind `json:"kind"`
	Location string     `json:"location"` // an absolute path for a Folder
	// Scope is the library the source's articles belong to ("" = shared).
	Scope string    `json:"scope,omitempty"`
	Added time.Time `json:"added"`
}

// Store is a durable library. Implementations are safe for concurrent use,
// also by several processes on the same data.
type Store interface {
	// Read calls fn with a snapshot valid until fn returns.
	Read(ctx context.Context, fn func(Snapshot) error) error
	// Article returns one article with its Body, or an error wrapping
	// ErrNotFound.
	Article(ctx context.Context, id string) (retrieval.Article, error)
	// Replace stores the articles (replacing any stored version and all of
	// its chunks) and the manifest, in one transaction. It returns the new
	// chunk keys, parallel to each write's Chunks.
	Replace(ctx context.Context, m Manifest, writes []ArticleWrite) ([][]int64, error)
	// Delete removes articles and their chunks in one transaction.
	Delete(ctx context.Context, ids []string) error
	// SetPaths records new file paths (article ID → path) of unchanged
	// articles.
	SetPaths(ctx context.Context, paths map[string]string) error
	// Reset starts a full re-embed: drops every chunk, marks every article
	// as needing new chunks (empty hash) and records m, in one transaction.
	Reset(ctx context.Context, m Manifest) error
	// ForgetDimension records that the stored vectors' dimension is no
	// longer trusted (the embedder changed under the same name); the next
	// ingest re-embeds.
	ForgetDimension(ctx context.Context) error
	// DropDerived deletes all derived data (articles, chunks, manifest) and
	// keeps user data; for data the caller proved undecodable.
	DropDerived(ctx context.Context, reason error) error
	// MarkPending drops the chunks of the articles in ids and marks them
	// as needing new ones (empty hash), in one transaction that logs each
	// as upserted: the next ingest rebuilds them as it resumes a re-embed.
	// It repairs articles a check found damaged.
	MarkPending(ctx context.Context, ids []string) error
	// WithBuildLock runs fn while holding the store's build lock, waiting
	// (until ctx ends) while another process holds it. Syncs take it so
	// that when several processes start on an empty store one embeds the
	// articles and the others, once they get the lock, find them stored.
	// Reads and single writes never wait for it. It is not reentrant.
	WithBuildLock(ctx context.Context, fn func(context.Context) error) error
	// Changes returns the change log entries after seq, oldest first, and
	// the newest sequence number.
	Changes(ctx context.Context, after int64) ([]Change, int64, error)
	// AddFeedback stores one vote (a zero Time means now).
	AddFeedback(ctx context.Context, f Feedback) error
	// RecentFeedback returns up to limit votes, newest first.
	RecentFeedback(ctx context.Context, limit int) ([]Feedback, error)
	// Sources lists the registered sources, oldest first.
	Sources(ctx context.Context) ([]Source, error)
	// AddSource registers a source (again: no change, keeps its date).
	AddSource(ctx context.Context, s Source) error
	// RemoveSource unregisters a source; it reports whether one was there.
	RemoveSource(ctx context.Context, kind SourceKind, location string) (bool, error)
	// FeedStore keeps the news feeds the library follows (feeds.go).
	FeedStore
	// DigestScheduleStore keeps the channels subscribed to a daily
	// digest (digests.go).
	DigestScheduleStore
	// Close releases the store.
	Close() error
}

// EncodeVector stores a vector as little-endian float32s.
func EncodeVector(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, f := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(f))
	}
	return b
}

// DecodeVector fills dst from little-endian float32s; len(b) must be
// 4*len(dst).
func DecodeVector(dst []float32, b []byte) {
	for i := range dst {
		dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
}
