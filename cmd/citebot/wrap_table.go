package main

import (
	"github.com/mattn/go-runewidth"

	"github.com/citebot/citebot/retrieval"
)

// Column limits for `articles` on a terminal: the byline gets at most
// maxBylineCols, the title what is left of the width (at least
// minTitleCols), so one long title does not pad every row.
const (
	maxBylineCols = 30
	minTitleCols  = 20
	columnGap     = 2
	// pipedTitleCols caps titles when stdout is not a terminal (use
	// --json for whole titles).
	pipedTitleCols = 80
)

// articleColumns returns how many columns the title and byline of the
// `articles` table may take on a terminal width columns wide; 0 means no
// limit (not a terminal).
func articleColumns(list []retrieval.Article, width int) (titleCols, byCols int) {
	if width <= 0 {
		return 0, 0
	}
	idCols, byNeed := len("ID"), len("BY")
	for _, art := range list {
		idCols = max(idCols, runewidth.StringWidth(art.ID))
		byNeed = max(byNeed, runewidth.StringWidth(byline(art)))
	}
	byCols = min(byNeed, maxBylineCols)
	titleCols = max(width-idCols-byCols-2*columnGap, minTitleCols)
	return titleCols, byCols
}

// cutCols shortens s to at most cols display columns, ending it with … when
// cut; cols 0 leaves s whole.
func cutCols(s string, cols int) string {
	if cols <= 0 || runewidth.StringWidth(s) <= cols {
		return s
	}
	return runewidth.Truncate(s, cols, "…")
}
