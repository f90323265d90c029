package index

import "fmt"

// segment is a loaded segment file: its parsed view and which of its
// chunks are live in this index. It implements lexPart. Slots whose
// article the store no longer holds with the same content (removed,
// changed, or taken from a newer segment) are not live; their postings
// stay in the file and are skipped, and dfDead keeps the document
// frequencies exact.
type segment struct {
	name     string
	view     *segView
	unmap    func() error
	entries  []*chunkEntry // by slot; nil when not live
	lengths  []float32     // BM25 length by slot
	live     int
	totalLen float64
	dfDead   []int32 // by term: slots holding it that are not live
}

// newSegment wraps a parsed view; no slot is live yet.
func newSegment(name string, v *segView, unmap func() error) *segment {
	s := &segment{name: name, view: v, unmap: unmap, entries: make([]*chunkEntry, v.nChunks), lengths: make([]float32, v.nChunks)}
	for i := range s.lengths {
		s.lengths[i] = v.chunk(i).length
	}
	return s
}

// activate makes slot live as e.
func (s *segment) activate(e *chunkEntry, slot int) {
	s.entries[slot] = e
	s.live++
	s.totalLen += float64(s.lengths[slot])
	e.seg, e.slot = s, int32(slot)
}

// settle counts the slots left inactive after loading as dead, once.
func (s *segment) settle() {
	for slot, e := range s.entries {
		if e == nil {
			s.countDead(slot)
		}
	}
}

// kill makes a live chunk dead (its article was removed or replaced).
func (s *segment) kill(e *chunkEntry) {
	if int(e.slot) >= len(s.entries) || s.entries[e.slot] != e {
		return
	}
	s.entries[e.slot] = nil
	s.live--
	s.totalLen -= float64(s.lengths[e.slot])
	s.countDead(int(e.slot))
}

// countDead adds a dead slot's distinct terms (those of its text and of
// its article's title, exactly the postings it has) to dfDead.
func (s *segment) countDead(slot int) {
	if s.dfDead == nil {
		s.dfDead = make([]int32, s.view.nTerms)
	}
	r := s.view.chunk(slot)
	seen := map[uint32]bool{}
	for _, id := range s.sequence(uint32(slot)) {
		seen[id] = true
	}
	a := s.view.article(int(r.article))
	for _, w := range lexTerms(s.view.str(a.titleOff, a.titleLen)) {
		if id, ok := s.view.lookup(w); ok {
			seen[id] = true
		}
	}
	for id := range seen {
		s.dfDead[id]++
	}
}

// The lexPart methods.

func (s *segment) size() int          { return s.view.nChunks }
func (s *segment) liveDocs() int      { return s.live }
func (s *segment) lengthSum() float64 { return s.totalLen }
func (s *segment) lookup(term string) (uint32, bool) {
	return s.view.lookup(term)
}
func (s *segment) liveDF(id uint32) int32 {
	_, _, _, n := s.view.termFields(int(id))
	if s.dfDead != nil {
		return int32(n) - s.dfDead[id]
	}
	return int32(n)
}
func (s *segment) postings(id uint32) ([]uint32, []float32) {
	_, _, off, n := s.view.termFields(int(id))
	return s.view.postSlots[off : off+uint64(n)], s.view.postWeights[off : off+uint64(n)]
}
func (s *segment) doc(slot uint32) (*chunkEntry, float32) { return s.entries[slot], s.lengths[slot] }
func (s *segment) sequence(slot uint32) []uint32 {
	r := s.view.chunk(int(slot))
	return s.view.seq[r.seqOff : r.seqOff+uint64(r.seqLen)]
}

// vector is slot's vector, aliasing the file.
func (s *segment) vector(slot int) []float32 {
	d := s.view.dim
	return s.view.vectors[slot*d : (slot+1)*d : (slot+1)*d]
}

// close unmaps the file. Strings and slices aliasing it must be gone:
// Index.Close calls it under the write lock, and every passage handed out
// copies its text.
func (s *segment) close() error {
	if s.unmap == nil {
		return nil
	}
	err := s.unmap()
	s.unmap = nil
	if err != nil {
		return fmt.Errorf("unmap segment %s: %w", s.name, err)
	}
	return nil
}
