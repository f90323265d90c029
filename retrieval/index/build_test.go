package index

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/citebot/citebot/retrieval"
)

// Only an ingest that is allowed to may rebuild the store: with KeepBuild,
// other settings leave the store and its vectors as they are.
func TestKeepBuildNeverReembeds(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	emb := newWordEmbedder(16)
	ix := openStore(t, dir, emb, smallChunks)
	arts := manyArticles(3)
	if _, err := ix.Ingest(ctx, arts, IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	want := ix.Count()
	ix.Close()

	other := openStore(t, dir, emb, retrieval.ChunkOptions{Target: 50, Max: 80})
	stored, configured, differs := other.BuildDiffers()
	if !differs || stored == configured {
		t.Fatalf("BuildDiffers = %q, %q, %v", stored, configured, differs)
	}
	_, err := other.Ingest(ctx, arts, IngestOptions{Prune: true, KeepBuild: true})
	if !errors.Is(err, ErrBuildDiffers) {
		t.Fatalf("KeepBuild ingest with other chunking: %v", err)
	}
	if other.Count() != want {
		t.Errorf("chunks %d after a refused rebuild, want %d", other.Count(), want)
	}
	// ingest itself (no KeepBuild) rebuilds.
	rep, err := other.Ingest(ctx, arts, IngestOptions{Prune: true})
	if err != nil || !rep.Reembedded {
		t.Fatalf("rebuild = %+v, %v", rep, err)
	}
	if _, _, differs := other.BuildDiffers(); differs {
		t.Error("still differs after the rebuild")
	}
}

func TestReembedAndReportIDs(t *testing.T) {
	ctx := context.Background()
	ix := openStore(t, t.TempDir(), newWordEmbedder(16), smallChunks)
	arts := manyArticles(3)
	rep, err := ix.Ingest(ctx, arts, IngestOptions{})
	if err != nil || !slices.Equal(rep.IDs.Added, []string{"art-00", "art-01", "art-02"}) {
		t.Fatalf("first ingest IDs = %+v, %v", rep.IDs, err)
	}
	arts[1] = versioned(arts[1], "v2")
	rep, err = ix.Ingest(ctx, arts[:2], IngestOptions{Prune: true})
	if err != nil || !slices.Equal(rep.IDs.Updated, []string{"art-01"}) || !slices.Equal(rep.IDs.Unchanged, []string{"art-00"}) ||
		!slices.Equal(rep.IDs.Removed, []string{"art-02"}) {
		t.Fatalf("second ingest IDs = %+v, %v", rep.IDs, err)
	}
	rep, err = ix.Ingest(ctx, arts[:2], IngestOptions{Reembed: true})
	if err != nil || !rep.Reembedded || rep.Updated+rep.Added != 2 {
		t.Fatalf("--reembed = %+v, %v", rep, err)
	}
	gone, err := ix.Remove(ctx, []string{"art-00", "nope"})
	if err != nil || !slices.Equal(gone, []string{"art-00"}) || articleIDs(t, ix)["art-00"] {
		t.Fatalf("Remove = %v, %v", gone, err)
	}
}
