package index

// BenchmarkScanFloor measures how fast an exhaustive (exact) vector search
// can go on this machine, against what chromem-go does today, on the same
// N random unit vectors of D dimensions (100k x 384 and 100k x 1536 by
// default; CITEBOT_BENCH_CHUNKS=N for another N). Every query is a random
// unit vector and asks for the top 50 by dot product (= cosine: all
// vectors are unit length). Sub-benchmarks, one query per op:
//
//   - chromem: one in-memory chromem collection holding the vectors (each
//     its own allocation, as the index holds them), QueryEmbedding top 50.
//   - scan-1core, scan-allcores: a plain-Go scan over one contiguous
//     []float32 slab (row i at [i*D, (i+1)*D)), a dot product with 4
//     accumulators and a 50-entry min-heap of the best rows; on one
//     goroutine, and split into runtime.NumCPU() row ranges whose heaps are
//     merged.
//   - int8-1core, int8-allcores: the same scan over an int8 copy (each
//     vector scaled by its own max |x| / 127), keeping the best 100 rows,
//     which are then re-scored exactly from the float32 slab; the metric
//     recall@10 is the share of the exact top 10 found in its top 10, over
//     64 queries.
//   - floor: the memory-bandwidth floor, summing the whole float32 slab as
//     64-bit words on all cores (no multiply, so nothing but memory limits
//     it).
//
// Metrics: ns/query; GB/s = bytes of the float32 slab (N*D*4) / time per
// query, so that every variant is compared on the same data (int8-GB/s is
// the bytes the int8 scan actually reads); x-chromem = chromem's time /
// this variant's time, chromem timed on the same query in the same
// iteration with the timer stopped, so that drifts in machine speed hit
// both alike; the floor also reports floor-ms-100kx1536, the time the
// floor's bandwidth gives an exhaustive 100k x 1536 scan.
//
// Before timing, each size checks that the scan's top 50 are chromem's.
// The fixture holds the vectors three times (chromem's, the slab, int8):
// ~1.5 GB at 100k x 1536. Run it with
//
//	go test -run '^$' -bench BenchmarkScanFloor -benchtime 20x ./retrieval/index
//	CITEBOT_BENCH_CHUNKS=10000 go test -run '^$' -bench BenchmarkScanFloor ./retrieval/index   # quick
//
// This measures the case for a faster exact scan (issue 14, item 3); it
// copies nothing from chromem.

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"
	"unsafe"

	chromem "github.com/philippgille/chromem-go"
)

const (
	floorK          = 50  // results per query, as the index asks chromem
	floorCandidates = 100 // int8 candidates re-scored in float32
	floorRecallAt   = 10
	floorQueries    = 64
)

func BenchmarkScanFloor(b *testing.B) {
	for _, dim := range []int{384, 1536} {
		for _, n := range benchSizes(b, 100_000) {
			b.Run(fmt.Sprintf("%sx%d", benchSizeName(n), dim), func(b *testing.B) {
				fx := newFloorFixture(b, n, dim)
				fx.run(b)
			})
			runtime.GC()
		}
	}
}

// floorFixture is one data set in every layout the benchmark scans.
type floorFixture struct {
	n, dim  int
	slab    []float32 // n*dim, row-major
	q8      []byte    // n*dim int8 values, row-major
	scale   []float32 // per row: x ≈ q8 * scale
	coll    *chromem.Collection
	queries [][]float32
}

func newFloorFixture(b *testing.B, n, dim int) *floorFixture {
	b.Helper()
	fx := &floorFixture{
		n: n, dim: dim,
		slab:  make([]float32, n*dim),
		q8:    make([]byte, n*dim),
		scale: make([]float32, n),
	}
	docs := make([]chromem.Document, n)
	var wg sync.WaitGroup
	workers := runtime.NumCPU()
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				v := randomUnitVector("floor-"+strconv.Itoa(i), dim)
				row := fx.slab[i*dim : (i+1)*dim]
				copy(row, v)
				fx.scale[i] = floorQuantize(fx.q8[i*dim:(i+1)*dim], row)
				docs[i] = chromem.Document{ID: strconv.Itoa(i), Embedding: v}
			}
		})
	}
	wg.Wait()
	coll, err := chromem.NewDB().CreateCollection("floor", nil, func(context.Context, string) ([]float32, error) {
		return nil, errors.New("bench: vectors are precomputed")
	})
	if err != nil {
		b.Fatal(err)
	}
	if err := coll.AddDocuments(context.Background(), docs, runtime.NumCPU()); err != nil {
		b.Fatal(err)
	}
	fx.coll = coll
	for i := range floorQueries {
		fx.queries = append(fx.queries, randomUnitVector("floor-query-"+strconv.Itoa(i), dim))
	}
	fx.checkExact(b)
	return fx
}

// checkExact fails unless the float32 scan finds chromem's top k.
func (fx *floorFixture) checkExact(b *testing.B) {
	b.Helper()
	for _, q := range fx.queries[:4] {
		res, err := fx.coll.QueryEmbedding(context.Background(), q, floorK, nil, nil)
		if err != nil {
			b.Fatal(err)
		}
		got := fx.scanParallel(q, floorK, runtime.NumCPU())
		for i, r := range res {
			if strconv.Itoa(got[i].row) != r.ID && math.Abs(float64(got[i].score-r.Similarity)) > 1e-6 {
				b.Fatalf("rank %d: scan has row %d (%.6f), chromem %s (%.6f)", i, got[i].row, got[i].score, r.ID, r.Similarity)
			}
		}
	}
}

func (fx *floorFixture) slabBytes() float64 { return float64(len(fx.slab)) * 4 }

func (fx *floorFixture) run(b *testing.B) {
	ctx := context.Background()
	cores := runtime.NumCPU()
	chromemQuery := func(q []float32) {
		if _, err := fx.coll.QueryEmbedding(ctx, q, floorK, nil, nil); err != nil {
			b.Fatal(err)
		}
	}
	// variant times query i with fn and, timer stopped, chromem on the
	// same query, then reports the metrics.
	// recall < 0 reports none.
	variant := func(name string, bytesRead, recall float64, fn func(q []float32)) {
		b.Run(name, func(b *testing.B) {
			fn(fx.queries[0]) // warm
			var raw time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				q := fx.queries[i%len(fx.queries)]
				fn(q)
				b.StopTimer()
				start := time.Now()
				chromemQuery(q)
				raw += time.Since(start)
				b.StartTimer()
			}
			b.StopTimer()
			per := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
			b.ReportMetric(per, "ns/query")
			b.ReportMetric(fx.slabBytes()/per, "GB/s")
			if bytesRead != fx.slabBytes() {
				b.ReportMetric(bytesRead/per, "int8-GB/s")
			}
			b.ReportMetric(float64(raw.Nanoseconds())/float64(b.N)/per, "x-chromem")
			if recall >= 0 {
				b.ReportMetric(recall, "recall@10")
			}
		})
	}

	b.Run("chromem", func(b *testing.B) {
		chromemQuery(fx.queries[0])
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			chromemQuery(fx.queries[i%len(fx.queries)])
		}
		b.StopTimer()
		per := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
		b.ReportMetric(per, "ns/query")
		b.ReportMetric(fx.slabBytes()/per, "GB/s")
		b.ReportMetric(1, "x-chromem")
	})
	variant("scan-1core", fx.slabBytes(), -1, func(q []float32) { fx.scanParallel(q, floorK, 1) })
	variant("scan-allcores", fx.slabBytes(), -1, func(q []float32) { fx.scanParallel(q, floorK, cores) })

	recall := fx.int8Recall(cores)
	variant("int8-1core", float64(len(fx.q8)), recall, func(q []float32) { fx.int8Search(q, floorK, 1) })
	variant("int8-allcores", float64(len(fx.q8)), recall, func(q []float32) { fx.int8Search(q, floorK, cores) })

	b.Run("floor", func(b *testing.B) {
		fx.sumParallel(cores) // warm
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			fx.sumParallel(cores)
		}
		b.StopTimer()
		per := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
		gbps := fx.slabBytes() / per
		b.ReportMetric(per, "ns/scan")
		b.ReportMetric(gbps, "GB/s")
		b.ReportMetric(100_000*1536*4/gbps/1e6, "floor-ms-100kx1536")
	})
}

// int8Recall is the mean recall@10 of the int8 search vs the exact scan
// over every query.
func (fx *floorFixture) int8Recall(cores int) float64 {
	found := 0
	for _, q := range fx.queries {
		exact := fx.scanParallel(q, floorRecallAt, cores)
		approx := fx.int8Search(q, floorK, cores)[:floorRecallAt]
		for _, e := range exact {
			if slices.ContainsFunc(approx, func(h floorHit) bool { return h.row == e.row }) {
				found++
			}
		}
	}
	return float64(found) / float64(len(fx.queries)*floorRecallAt)
}

// floorHit is one scored row.
type floorHit struct {
	row   int
	score float32
}

// floorTopK keeps the k best hits seen in a min-heap (the worst at [0]).
type floorTopK struct {
	k int
	h []floorHit
}

func newFloorTopK(k int) *floorTopK { return &floorTopK{k: k, h: make([]floorHit, 0, k)} }

// push offers one hit; callers may test score > min() first to skip the
// call, as the scans do.
func (t *floorTopK) push(row int, score float32) {
	if len(t.h) < t.k {
		t.h = append(t.h, floorHit{row, score})
		for i := len(t.h) - 1; i > 0; {
			p := (i - 1) / 2
			if t.h[p].score <= t.h[i].score {
				break
			}
			t.h[p], t.h[i] = t.h[i], t.h[p]
			i = p
		}
		return
	}
	if score <= t.h[0].score {
		return
	}
	t.h[0] = floorHit{row, score}
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(t.h) && t.h[l].score < t.h[m].score {
			m = l
		}
		if r < len(t.h) && t.h[r].score < t.h[m].score {
			m = r
		}
		if m == i {
			break
		}
		t.h[m], t.h[i] = t.h[i], t.h[m]
		i = m
	}
}

// min is the score a hit must beat to enter a full heap.
func (t *floorTopK) min() float32 {
	if len(t.h) < t.k {
		return float32(math.Inf(-1))
	}
	return t.h[0].score
}

// sorted returns the hits best first (ties by row, for determinism).
func (t *floorTopK) sorted() []floorHit {
	out := slices.Clone(t.h)
	slices.SortFunc(out, func(a, b floorHit) int {
		if a.score != b.score {
			if a.score > b.score {
				return -1
			}
			return 1
		}
		return a.row - b.row
	})
	return out
}

// floorDot is the dot product of a and b (same length) with 4 accumulators,
// so that four multiply-adds are in flight instead of one chain.
func floorDot(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		x, y := a[i:i+4:i+4], b[i:i+4:i+4]
		s0 += x[0] * y[0]
		s1 += x[1] * y[1]
		s2 += x[2] * y[2]
		s3 += x[3] * y[3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// floorDotInt8 is the dot product of a row of int8 values (as bytes) with
// a query widened to int32, exact in int32 (|sum| <= D*127*127). The row is
// read 8 bytes per load; each byte is sign-extended from the register,
// which beats one load per element (Go has no SIMD without assembly).
func floorDotInt8(a []byte, q []int32) int32 {
	q = q[:len(a)]
	var s0, s1, s2, s3 int32
	n := len(a) &^ 7
	for i := 0; i < n; i += 8 {
		w := binary.LittleEndian.Uint64(a[i:])
		y := q[i : i+8 : i+8]
		s0 += int32(int8(w)) * y[0]
		s1 += int32(int8(w>>8)) * y[1]
		s2 += int32(int8(w>>16)) * y[2]
		s3 += int32(int8(w>>24)) * y[3]
		s0 += int32(int8(w>>32)) * y[4]
		s1 += int32(int8(w>>40)) * y[5]
		s2 += int32(int8(w>>48)) * y[6]
		s3 += int32(int8(w>>56)) * y[7]
	}
	for i := n; i < len(a); i++ {
		s0 += int32(int8(a[i])) * q[i]
	}
	return s0 + s1 + s2 + s3
}

// floorQuantize writes v scaled to -127..127 by its own max |x| into dst
// (int8 bit patterns) and returns the scale (x ≈ int8(dst[i]) * scale).
func floorQuantize(dst []byte, v []float32) float32 {
	var m float32
	for _, x := range v {
		m = max(m, float32(math.Abs(float64(x))))
	}
	if m == 0 {
		clear(dst)
		return 0
	}
	s := m / 127
	for i, x := range v {
		dst[i] = byte(int8(math.Round(float64(x / s))))
	}
	return s
}

// floorParts splits rows [0,n) into p ranges and runs fn on each in its own
// goroutine (inline for p = 1); fn's results come back in range order.
func floorParts[T any](n, p int, fn func(lo, hi int) T) []T {
	p = max(1, min(p, n))
	out := make([]T, p)
	if p == 1 {
		out[0] = fn(0, n)
		return out
	}
	var wg sync.WaitGroup
	for w := range p {
		lo, hi := w*n/p, (w+1)*n/p
		wg.Go(func() { out[w] = fn(lo, hi) })
	}
	wg.Wait()
	return out
}

// scanParallel is the exact float32 scan on p goroutines.
func (fx *floorFixture) scanParallel(q []float32, k, p int) []floorHit {
	d := fx.dim
	heaps := floorParts(fx.n, p, func(lo, hi int) *floorTopK {
		t := newFloorTopK(k)
		floor := t.min()
		for i := lo; i < hi; i++ {
			if s := floorDot(fx.slab[i*d:(i+1)*d:(i+1)*d], q); s > floor {
				t.push(i, s)
				floor = t.min()
			}
		}
		return t
	})
	return mergeFloorTopK(heaps, k)
}

// int8Search scans the int8 copy for the best floorCandidates rows, then
// re-scores those from the float32 slab and returns the best k.
func (fx *floorFixture) int8Search(q []float32, k, p int) []floorHit {
	d := fx.dim
	qb := make([]byte, d)
	floorQuantize(qb, q) // the query's own scale ranks nothing: left out
	q8 := make([]int32, d)
	for i, x := range qb {
		q8[i] = int32(int8(x))
	}
	heaps := floorParts(fx.n, p, func(lo, hi int) *floorTopK {
		t := newFloorTopK(floorCandidates)
		floor := t.min()
		for i := lo; i < hi; i++ {
			if s := float32(floorDotInt8(fx.q8[i*d:(i+1)*d:(i+1)*d], q8)) * fx.scale[i]; s > floor {
				t.push(i, s)
				floor = t.min()
			}
		}
		return t
	})
	exact := newFloorTopK(k)
	for _, h := range mergeFloorTopK(heaps, floorCandidates) {
		exact.push(h.row, floorDot(fx.slab[h.row*d:(h.row+1)*d], q))
	}
	return exact.sorted()
}

func mergeFloorTopK(heaps []*floorTopK, k int) []floorHit {
	if len(heaps) == 1 {
		return heaps[0].sorted()
	}
	all := newFloorTopK(k)
	for _, t := range heaps {
		for _, h := range t.h {
			all.push(h.row, h.score)
		}
	}
	return all.sorted()
}

// floorSink keeps the floor's sums alive.
var floorSink uint64

// sumParallel reads the whole slab on p goroutines, as 64-bit words with 4
// accumulators: integer adds cost far less than a memory read, so the time
// is that of moving the bytes.
func (fx *floorFixture) sumParallel(p int) {
	words := unsafe.Slice((*uint64)(unsafe.Pointer(unsafe.SliceData(fx.slab))), len(fx.slab)/2)
	sums := floorParts(len(words), p, func(lo, hi int) uint64 {
		w := words[lo:hi]
		var s0, s1, s2, s3 uint64
		i := 0
		for ; i+4 <= len(w); i += 4 {
			x := w[i : i+4 : i+4]
			s0 += x[0]
			s1 += x[1]
			s2 += x[2]
			s3 += x[3]
		}
		for ; i < len(w); i++ {
			s0 += w[i]
		}
		return s0 + s1 + s2 + s3
	})
	var s uint64
	for _, x := range sums {
		s += x
	}
	floorSink += s
}
