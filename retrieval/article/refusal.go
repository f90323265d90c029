package article

import (
	"fmt"
	"strings"
	"time"
)

// FetchRefused is the error FetchURL returns when it will not fetch a URL
// or keep a response: a refused address, port or scheme, too many
// redirects, a page over the size or time cap, a file that is not an
// article, or a page too complex to read. It is a policy decision, not a
// network failure, so callers (the Discord bot) can show Reason to the
// person who asked, as it is, and need not retry.
type FetchRefused struct {
	// Reason is one sentence naming why, without the URL, e.g. "that
	// address is on a private network".
	Reason string
	// URL is the address that was refused (after redirects), redacted.
	URL string
	// Err is the sentinel behind the refusal when there is one
	// (ErrArticleTooLarge, ErrHTMLTooDeep, context.DeadlineExceeded, ...),
	// for errors.Is; often nil.
	Err error
}

// Error returns Reason; FetchURL wraps it with the URL.
func (e *FetchRefused) Error() string { return e.Reason }

// Unwrap returns the sentinel behind the refusal, if any.
func (e *FetchRefused) Unwrap() error { return e.Err }

// refuse is a refusal without a URL yet (FetchURL fills it in).
func refuse(format string, args ...any) *FetchRefused {
	return &FetchRefused{Reason: fmt.Sprintf(format, args...)}
}

// The reasons an address is refused, one per class of address.
const (
	reasonLoopback    = "that address is this machine (loopback)"
	reasonPrivate     = "that address is on a private network"
	reasonLinkLocal   = "that address is link-local, reachable only from this machine's own network segment"
	reasonMetadata    = "that address is the cloud metadata service (link-local)"
	reasonCGNAT       = "that address is on a carrier-grade NAT network (shared address space)"
	reasonMulticast   = "that address is multicast, not a single server"
	reasonUnspecified = "that address is unspecified (0.0.0.0 or ::), which reaches this machine"
	reasonBroadcast   = "that address is the broadcast address"
	reasonDocs        = "that address is reserved for documentation or benchmarking"
	reasonReserved    = "that address is reserved, not a public server"
)

// formatSize prints a byte count the way a person reads it: "5 MB",
// "512 KB", "500 bytes".
func formatSize(n int64) string {
	switch {
	case n >= 1<<20:
		return strings.TrimSuffix(fmt.Sprintf("%.1f", float64(n)/(1<<20)), ".0") + " MB"
	case n >= 1<<10:
		return strings.TrimSuffix(fmt.Sprintf("%.1f", float64(n)/(1<<10)), ".0") + " KB"
	}
	return fmt.Sprintf("%d bytes", n)
}

// tooLarge is the refusal for a body over limit bytes.
func tooLarge(limit int64) *FetchRefused {
	return &FetchRefused{Reason: "the page is larger than " + formatSize(limit), Err: ErrArticleTooLarge}
}

// tooSlow is the refusal for a fetch that ran past its timeout.
func tooSlow(timeout time.Duration, err error) *FetchRefused {
	return &FetchRefused{Reason: "the server took longer than " + timeout.String(), Err: err}
}

// wrongType is the refusal for a response that is not HTML, text,
// Markdown or PDF, naming what it is in words ("a PDF") and as a media type.
func wrongType(mediaType string) *FetchRefused {
	return refuse("that is %s (%s), not an HTML, text, Markdown or PDF document", describeMediaType(mediaType), mediaType)
}

// describeMediaType names a media type in words for a refusal.
func describeMediaType(mt string) string {
	major, minor, _ := strings.Cut(mt, "/")
	switch {
	case mt == "application/pdf":
		return "a PDF"
	case major == "image":
		return "an image"
	case major == "video":
		return "a video"
	case major == "audio":
		return "a sound file"
	case mt == "application/json" || strings.HasSuffix(minor, "+json"):
		return "JSON data"
	case strings.Contains(minor, "rss") || strings.Contains(minor, "atom"):
		return "a news feed"
	case strings.HasSuffix(minor, "xml"):
		return "XML data"
	case strings.Contains(minor, "zip") || strings.Contains(minor, "tar") || strings.Contains(minor, "compressed"):
		return "an archive"
	case strings.Contains(minor, "msword") || strings.Contains(minor, "officedocument") || strings.Contains(minor, "opendocument"):
		return "an office document"
	case mt == "application/octet-stream":
		return "a binary file"
	}
	return "a file of another kind"
}
