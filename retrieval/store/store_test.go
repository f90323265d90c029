package store

import "testing"

func TestVectorCodec(t *testing.T) {
	v := []float32{0, 1, -1, 3.25, 1e-30, -7.5e12}
	got := make([]float32, len(v))
	DecodeVector(got, EncodeVector(v))
	for i := range v {
		if got[i] != v[i] {
			t.Fatalf("round trip: %v != %v", got, v)
		}
	}
	if b := EncodeVector([]float32{1}); len(b) != 4 || b[3] != 0x3f || b[2] != 0x80 {
		t.Errorf("encoding is not little-endian float32: % x", b)
	}
}
