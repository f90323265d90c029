package library

import "github.com/citebot/citebot/retrieval"

// SavedDir is the folder of scope's saved articles (DATA/articles, or
// DATA/servers/<ID>/articles). Other writers of article files, such as the
// feed poller, write below it, so that the folder decides their articles'
// scope as it does for every saved article, and Sync and Watch pick them up.
func (l *Library) SavedDir(scope retrieval.Scope) (string, error) { return l.savedDir(scope) }
