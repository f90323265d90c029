package retrieval

// Scope says whose library an article belongs to, and whose view a question
// is asked from. The zero value is the shared library: the seeds and
// everything ingested from the command line without --guild. Any other value
// is one Discord server's ID.
//
// An article in the shared scope is visible from every view; an article in a
// server's scope only from that server's view. A DM or the CLI without
// --guild asks from the shared view and so sees shared articles only.
type Scope string

// Shared is the scope of the shared library.
const Shared Scope = ""

// GuildScope is the scope of one Discord server's library.
func GuildScope(guildID string) Scope { return Scope(guildID) }

// IsShared reports whether s is the shared library.
func (s Scope) IsShared() bool { return s == Shared }

// Sees reports whether a question asked from view s may read an article in
// scope article.
func (s Scope) Sees(article Scope) bool { return article == Shared || article == s }
