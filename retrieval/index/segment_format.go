package index

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"slices"
	"strings"
	"unsafe"

	"github.com/citebot/citebot/retrieval"
)

// A segment is an immutable file holding everything Open needs to search
// a set of articles without reading their chunks from the store or
// tokenizing them again: per article its ID and content hash, per chunk
// its place in the article, its text, its vector, its BM25 length and its
// term sequence (for proximity), and the segment's term dictionary with
// its postings. Segments are derived data: the store stays the source of
// truth, and a segment's article only counts while the store holds the
// same article with the same content hash (see segment_open.go).
//
// Layout (little-endian, every section 8-byte aligned):
//
//	header   magic, version, counts, then the offset and length of each section
//	sections build key, articles, chunks, vectors, terms, term strings,
//	         posting slots, posting weights, term sequences, texts, strings
//	footer   CRC-32C of everything before it, magic
//
// The footer's checksum is verified when a segment is opened, so a file
// cut short or damaged is never read as a segment.

const (
	segMagic   = "CBSEG\x00\x00\x01"
	segVersion = 1
)

// Section numbers, in file order.
const (
	secBuild = iota
	secArticles
	secChunks
	secVectors
	secTerms
	secTermStrings
	secPostSlots
	secPostWeights
	secSeq
	secTexts
	secStrings
	numSections
)

const (
	segHeaderSize  = 8 + 4*6 + numSections*16
	segFooterSize  = 4 + 4 + 8
	segArticleSize = 8 * 4 // firstSlot, chunks, idOff, idLen, hashOff, hashLen, titleOff, titleLen
	segChunkSize   = 56    // see chunkRecord
	segTermSize    = 24    // strOff, strLen, postOff (u64), postLen, pad
)

// segArticleIn is one article to write into a segment.
type segArticleIn struct {
	ID, Hash, Title string
	Chunks          []segChunkIn
}

// segChunkIn is one chunk of a segArticleIn.
type segChunkIn struct {
	Rowid  int64
	Chunk  retrieval.Chunk
	Vector []float32 // len = dim, or nil when dim is 0
}

// encodeSegment lays out articles as a segment file and returns the
// function that writes it. build is the store build the vectors belong to
// (see buildKey); dim their dimension (0: the segment carries no vectors).
// Texts are tokenized here, as the lexical index tokenizes them. The file
// is written section by section rather than assembled in one buffer, so a
// segment costs its sections' memory once.
func encodeSegment(build string, dim int, arts []segArticleIn) (func(io.Writer) error, error) {
	w := segWriter{dim: dim}
	chunks, text := 0, 0
	for _, a := range arts {
		chunks += len(a.Chunks)
		for _, c := range a.Chunks {
			text += len(c.Chunk.Text)
		}
	}
	w.vectors = make([]byte, 0, chunks*dim*4)
	w.texts = make([]byte, 0, text)
	w.chunks = make([]byte, 0, chunks*segChunkSize)
	for _, a := range arts {
		if err := w.addArticle(a); err != nil {
			return nil, err
		}
	}
	return w.finish(build), nil
}

// segWriter accumulates a segment's sections.
type segWriter struct {
	dim       int
	nArticles int
	nChunks   int
	articles  []byte
	chunks    []byte
	vectors   []byte
	seq       []byte
	texts     []byte
	strs      []byte
	terms     map[string]uint32 // term → local ID, in first-seen order
	termList  []string
	postings  [][]posting // by local term ID
}

func (w *segWriter) str(s string) (off, n uint32) {
	off = uint32(len(w.strs))
	w.strs = append(w.strs, s...)
	return off, uint32(len(s))
}

func (w *segWriter) termID(t string) uint32 {
	if w.terms == nil {
		w.terms = map[string]uint32{}
	}
	id, ok := w.terms[t]
	if !ok {
		id = uint32(len(w.termList))
		w.terms[t] = id
		w.termList = append(w.termList, t)
		w.postings = append(w.postings, nil)
	}
	return id
}

func (w *segWriter) addArticle(a segArticleIn) error {
	le := binary.LittleEndian
	idOff, idLen := w.str(a.ID)
	hashOff, hashLen := w.str(a.Hash)
	w.articles = le.AppendUint32(w.articles, uint32(w.nChunks))
	w.articles = le.AppendUint32(w.articles, uint32(len(a.Chunks)))
	w.articles = le.AppendUint32(w.articles, idOff)
	w.articles = le.AppendUint32(w.articles, idLen)
	w.articles = le.AppendUint32(w.articles, hashOff)
	w.articles = le.AppendUint32(w.articles, hashLen)
	titleOff, titleLen := w.str(a.Title)
	w.articles = le.AppendUint32(w.articles, titleOff)
	w.articles = le.AppendUint32(w.articles, titleLen)
	for _, c := range a.Chunks {
		if w.dim > 0 && len(c.Vector) != w.dim {
			return fmt.Errorf("segment: chunk %d of %q has %d dims, want %d", c.Chunk.Ordinal, a.ID, len(c.Vector), w.dim)
		}
		slot := uint32(w.nChunks)
		t := termCounts(a.Title, c.Chunk.Text)
		for term, tf := range t.counts {
			id := w.termID(term)
			w.postings[id] = append(w.postings[id], posting{slot: int32(slot), tf: tf})
		}
		seqOff := uint64(len(w.seq) / 4)
		for _, term := range t.seq {
			w.seq = le.AppendUint32(w.seq, w.terms[term])
		}
		textOff := uint64(len(w.texts))
		w.texts = append(w.texts, c.Chunk.Text...)
		w.chunks = appendChunkRecord(w.chunks, chunkRecord{
			rowid: c.Rowid, article: uint32(w.nArticles), ordinal: uint32(c.Chunk.Ordinal),
			start: uint32(c.Chunk.Start), end: uint32(c.Chunk.End), length: t.length,
			textOff: textOff, textLen: uint32(len(c.Chunk.Text)), seqOff: seqOff, seqLen: uint32(len(t.seq)),
		})
		for _, f := range c.Vector {
			w.vectors = le.AppendUint32(w.vectors, math.Float32bits(f))
		}
		w.nChunks++
	}
	w.nArticles++
	return nil
}

// chunkRecord is one chunk's fixed-size entry in the chunks section.
type chunkRecord struct {
	rowid                        int64
	article, ordinal, start, end uint32
	length                       float32
	textOff                      uint64
	textLen                      uint32
	seqOff                       uint64
	seqLen                       uint32
}

func appendChunkRecord(b []byte, r chunkRecord) []byte {
	le := binary.LittleEndian
	b = le.AppendUint64(b, uint64(r.rowid))
	b = le.AppendUint32(b, r.article)
	b = le.AppendUint32(b, r.ordinal)
	b = le.AppendUint32(b, r.start)
	b = le.AppendUint32(b, r.end)
	b = le.AppendUint32(b, math.Float32bits(r.length))
	b = le.AppendUint32(b, r.textLen)
	b = le.AppendUint64(b, r.textOff)
	b = le.AppendUint64(b, r.seqOff)
	b = le.AppendUint32(b, r.seqLen)
	return le.AppendUint32(b, 0) // pad to segChunkSize
}

func readChunkRecord(b []byte) chunkRecord {
	le := binary.LittleEndian
	return chunkRecord{
		rowid:   int64(le.Uint64(b[0:])),
		article: le.Uint32(b[8:]),
		ordinal: le.Uint32(b[12:]),
		start:   le.Uint32(b[16:]),
		end:     le.Uint32(b[20:]),
		length:  math.Float32frombits(le.Uint32(b[24:])),
		textLen: le.Uint32(b[28:]),
		textOff: le.Uint64(b[32:]),
		seqOff:  le.Uint64(b[40:]),
		seqLen:  le.Uint32(b[48:]),
	}
}

// finish sorts the term dictionary (so readers binary-search it) and
// returns the function that writes the file.
func (w *segWriter) finish(build string) func(io.Writer) error {
	le := binary.LittleEndian
	order := make([]uint32, len(w.termList))
	for i := range order {
		order[i] = uint32(i)
	}
	slices.SortFunc(order, func(a, b uint32) int { return strings.Compare(w.termList[a], w.termList[b]) })
	// Local IDs become dictionary positions, so the term sequences must
	// be renumbered too.
	rank := make([]uint32, len(order))
	for pos, id := range order {
		rank[id] = uint32(pos)
	}
	for i := 0; i+4 <= len(w.seq); i += 4 {
		le.PutUint32(w.seq[i:], rank[le.Uint32(w.seq[i:])])
	}
	var terms, termStrs, slots, weights []byte
	var post uint64
	for _, id := range order {
		t := w.termList[id]
		terms = le.AppendUint32(terms, uint32(len(termStrs)))
		terms = le.AppendUint32(terms, uint32(len(t)))
		terms = le.AppendUint64(terms, post)
		terms = le.AppendUint32(terms, uint32(len(w.postings[id])))
		terms = le.AppendUint32(terms, 0)
		termStrs = append(termStrs, t...)
		for _, p := range w.postings[id] {
			slots = le.AppendUint32(slots, uint32(p.slot))
			weights = le.AppendUint32(weights, math.Float32bits(p.tf))
		}
		post += uint64(len(w.postings[id]))
	}
	sections := [numSections][]byte{
		secBuild: []byte(build), secArticles: w.articles, secChunks: w.chunks, secVectors: w.vectors,
		secTerms: terms, secTermStrings: termStrs, secPostSlots: slots, secPostWeights: weights,
		secSeq: w.seq, secTexts: w.texts, secStrings: w.strs,
	}
	return func(dst io.Writer) error {
		return writeSegmentFile(dst, w.dim, w.nArticles, w.nChunks, len(order), sections)
	}
}

// writeSegmentFile writes the header (counts and section offsets), the
// sections 8-byte aligned, and the footer with the CRC-32C of all that.
func writeSegmentFile(dst io.Writer, dim, nArticles, nChunks, nTerms int, sections [numSections][]byte) error {
	le := binary.LittleEndian
	crc := crc32.New(castagnoli)
	out := io.MultiWriter(dst, crc)
	header := make([]byte, segHeaderSize)
	copy(header, segMagic)
	le.PutUint32(header[8:], segVersion)
	le.PutUint32(header[12:], uint32(dim))
	le.PutUint32(header[16:], uint32(nArticles))
	le.PutUint32(header[20:], uint32(nChunks))
	le.PutUint32(header[24:], uint32(nTerms))
	off := uint64(segHeaderSize)
	for i, s := range sections {
		off = (off + 7) &^ 7
		le.PutUint64(header[32+16*i:], off)
		le.PutUint64(header[40+16*i:], uint64(len(s)))
		off += uint64(len(s))
	}
	if _, err := out.Write(header); err != nil {
		return err
	}
	at := uint64(segHeaderSize)
	var zeros [8]byte
	for _, s := range sections {
		pad := (8 - at%8) % 8
		if _, err := out.Write(zeros[:pad]); err != nil {
			return err
		}
		if _, err := out.Write(s); err != nil {
			return err
		}
		at += pad + uint64(len(s))
	}
	if _, err := out.Write(zeros[:(8-at%8)%8]); err != nil {
		return err
	}
	footer := le.AppendUint32(nil, crc.Sum32())
	footer = le.AppendUint32(footer, 0)
	_, err := dst.Write(append(footer, segMagic...))
	return err
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// errBadSegment marks a file that is not a whole, readable segment.
var errBadSegment = errors.New("not a valid segment")

// segView is a parsed segment: slices of the file's bytes (which may be a
// memory map) with the counts from its header.
type segView struct {
	data                       []byte
	dim                        int
	nArticles, nChunks, nTerms int
	build                      string
	sec                        [numSections][]byte
	vectors                    []float32 // nChunks*dim, aliasing data when possible
	postSlots                  []uint32
	postWeights                []float32
	seq                        []uint32
}

// parseSegment checks data's framing and checksum and returns its view.
func parseSegment(data []byte) (*segView, error) { return parseSegmentChecked(data, true) }

// parseSegmentChecked is parseSegment, verifying the checksum only when
// sum is set: a writer adopting the file it has just written and synced
// skips reading every page of it again.
func parseSegmentChecked(data []byte, sum bool) (*segView, error) {
	le := binary.LittleEndian
	if len(data) < segHeaderSize+segFooterSize || !bytes.Equal(data[:8], []byte(segMagic)) ||
		!bytes.Equal(data[len(data)-8:], []byte(segMagic)) {
		return nil, fmt.Errorf("%w: bad framing", errBadSegment)
	}
	body := data[:len(data)-segFooterSize]
	if sum && le.Uint32(data[len(data)-segFooterSize:]) != crc32.Checksum(body, castagnoli) {
		return nil, fmt.Errorf("%w: checksum mismatch", errBadSegment)
	}
	if v := le.Uint32(data[8:]); v != segVersion {
		return nil, fmt.Errorf("%w: version %d", errBadSegment, v)
	}
	s := &segView{data: data, dim: int(le.Uint32(data[12:])), nArticles: int(le.Uint32(data[16:])),
		nChunks: int(le.Uint32(data[20:])), nTerms: int(le.Uint32(data[24:]))}
	for i := range s.sec {
		off, n := le.Uint64(data[32+16*i:]), le.Uint64(data[40+16*i:])
		if off%8 != 0 || off > uint64(len(body)) || n > uint64(len(body))-off {
			return nil, fmt.Errorf("%w: section %d out of bounds", errBadSegment, i)
		}
		s.sec[i] = data[off : off+n : off+n]
	}
	s.build = string(s.sec[secBuild])
	want := [numSections]int{secArticles: s.nArticles * segArticleSize, secChunks: s.nChunks * segChunkSize,
		secVectors: s.nChunks * s.dim * 4, secTerms: s.nTerms * segTermSize}
	for i, n := range want {
		if n != 0 && len(s.sec[i]) != n {
			return nil, fmt.Errorf("%w: section %d has %d bytes, want %d", errBadSegment, i, len(s.sec[i]), n)
		}
	}
	if len(s.sec[secPostSlots]) != len(s.sec[secPostWeights]) {
		return nil, fmt.Errorf("%w: postings sections differ", errBadSegment)
	}
	s.vectors = float32s(s.sec[secVectors])
	s.postSlots = uint32s(s.sec[secPostSlots])
	s.postWeights = float32s(s.sec[secPostWeights])
	s.seq = uint32s(s.sec[secSeq])
	return s, s.validate()
}

// validate bounds-checks every offset the readers follow, so a segment
// that passed its checksum but was written by a buggy build cannot make
// a search read out of range.
func (s *segView) validate() error {
	for i := 0; i < s.nArticles; i++ {
		a := s.article(i)
		strs := s.sec[secStrings]
		if uint64(a.first)+uint64(a.n) > uint64(s.nChunks) || !inBounds(strs, a.idOff, a.idLen) ||
			!inBounds(strs, a.hashOff, a.hashLen) || !inBounds(strs, a.titleOff, a.titleLen) {
			return fmt.Errorf("%w: article %d out of bounds", errBadSegment, i)
		}
	}
	for i := 0; i < s.nChunks; i++ {
		r := s.chunk(i)
		if int(r.article) >= s.nArticles || r.textOff+uint64(r.textLen) > uint64(len(s.sec[secTexts])) ||
			r.seqOff+uint64(r.seqLen) > uint64(len(s.seq)) {
			return fmt.Errorf("%w: chunk %d out of bounds", errBadSegment, i)
		}
	}
	for _, id := range s.seq {
		if int(id) >= s.nTerms {
			return fmt.Errorf("%w: term sequence out of range", errBadSegment)
		}
	}
	for i := 0; i < s.nTerms; i++ {
		strOff, strLen, postOff, postLen := s.termFields(i)
		if !inBounds(s.sec[secTermStrings], strOff, strLen) || postOff+uint64(postLen) > uint64(len(s.postSlots)) {
			return fmt.Errorf("%w: term %d out of bounds", errBadSegment, i)
		}
	}
	for _, slot := range s.postSlots {
		if int(slot) >= s.nChunks {
			return fmt.Errorf("%w: posting out of range", errBadSegment)
		}
	}
	return nil
}

func inBounds(b []byte, off, n uint32) bool { return uint64(off)+uint64(n) <= uint64(len(b)) }

// articleRecord is one article's entry in the articles section.
type articleRecord struct {
	first, n                                           uint32 // its slots
	idOff, idLen, hashOff, hashLen, titleOff, titleLen uint32
}

func (s *segView) article(i int) articleRecord {
	le := binary.LittleEndian
	b := s.sec[secArticles][i*segArticleSize:]
	return articleRecord{le.Uint32(b), le.Uint32(b[4:]), le.Uint32(b[8:]), le.Uint32(b[12:]),
		le.Uint32(b[16:]), le.Uint32(b[20:]), le.Uint32(b[24:]), le.Uint32(b[28:])}
}

func (s *segView) chunk(i int) chunkRecord {
	return readChunkRecord(s.sec[secChunks][i*segChunkSize:])
}

func (s *segView) termFields(i int) (strOff, strLen uint32, postOff uint64, postLen uint32) {
	le := binary.LittleEndian
	b := s.sec[secTerms][i*segTermSize:]
	return le.Uint32(b), le.Uint32(b[4:]), le.Uint64(b[8:]), le.Uint32(b[16:])
}

// bytesString views b as a string without copying. The string is only
// valid while the segment stays mapped; see segment.close.
func bytesString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

func (s *segView) str(off, n uint32) string { return bytesString(s.sec[secStrings][off : off+n]) }

func (s *segView) text(r chunkRecord) string {
	return bytesString(s.sec[secTexts][r.textOff : r.textOff+uint64(r.textLen)])
}

func (s *segView) term(i int) string {
	off, n, _, _ := s.termFields(i)
	return bytesString(s.sec[secTermStrings][off : off+n])
}

// lookup finds a term's position in the sorted dictionary.
func (s *segView) lookup(t string) (uint32, bool) {
	lo, hi := 0, s.nTerms
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if s.term(m) < t {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < s.nTerms && s.term(lo) == t {
		return uint32(lo), true
	}
	return 0, false
}

// littleEndian is true on hosts whose native byte order matches the
// file's, where sections can be used in place.
var littleEndian = func() bool {
	x := uint16(1)
	return *(*byte)(unsafe.Pointer(&x)) == 1
}()

// words32 views b (8-byte aligned within an aligned mapping) as 4-byte
// words of type T in place on little-endian hosts, and decodes a copy
// elsewhere (the file is little-endian).
func words32[T float32 | uint32](b []byte) []T {
	if len(b) == 0 {
		return nil
	}
	if littleEndian && uintptr(unsafe.Pointer(&b[0]))%4 == 0 {
		return unsafe.Slice((*T)(unsafe.Pointer(&b[0])), len(b)/4)
	}
	out := make([]T, len(b)/4)
	for i := range out {
		w := binary.LittleEndian.Uint32(b[4*i:])
		*(*uint32)(unsafe.Pointer(&out[i])) = w
	}
	return out
}

func float32s(b []byte) []float32 { return words32[float32](b) }
func uint32s(b []byte) []uint32   { return words32[uint32](b) }
