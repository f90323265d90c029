// Package seeds holds the default articles, one Markdown file with front
// matter each. They are compiled into the binary so that citebot answers
// questions from any directory with nothing configured; a ./seeds directory
// (or --seeds) takes their place when present.
package seeds

import "embed"

// FS is the default articles compiled into the binary: every *.md file of
// this directory, at the root of the file system. Load it with
// article.LoadFS.
//
//go:embed *.md
var FS embed.FS
