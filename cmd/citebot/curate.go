package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/citebot/citebot/bot"
	"github.com/citebot/citebot/retrieval"
	"github.com/citebot/citebot/retrieval/article"
	"github.com/citebot/citebot/retrieval/library"
)

// curator lets the bot change a server's library: it adapts the library
// to bot.Library and turns the failures a person can act on into
// bot.UserError sentences.
type curator struct{ lib *library.Library }

var _ bot.Library = curator{}

func (c curator) AddURL(ctx context.Context, scope retrieval.Scope, url string) (bot.Added, error) {
	added, err := c.lib.Add(ctx, url, library.AddOptions{Scope: scope})
	return botAdded(added), userFacing(err)
}

func (c curator) AddFile(ctx context.Context, scope retrieval.Scope, name string, data []byte) (bot.Added, error) {
	added, err := c.lib.AddData(ctx, name, data, library.AddOptions{Scope: scope})
	return botAdded(added), userFacing(err)
}

func (c curator) Forget(ctx context.Context, scope retrieval.Scope, articleID string) (retrieval.Article, error) {
	got, err := c.lib.Forget(ctx, articleID, scope)
	if err != nil {
		return retrieval.Article{}, userFacing(err)
	}
	if len(got.Articles) == 0 {
		return retrieval.Article{}, bot.UserError{Message: "That article is not in this server's library."}
	}
	return got.Articles[0], nil
}

// botAdded is the first article one Add brought in, as the bot reports it.
func botAdded(added library.Added) bot.Added {
	if len(added.Articles) == 0 {
		return bot.Added{}
	}
	a := added.Articles[0]
	out := bot.Added{Article: a, Duplicate: len(added.IDs.Unchanged) > 0 && len(added.IDs.Added)+len(added.IDs.Updated) == 0}
	out.Passages = added.Chunks
	return out
}

// userFacing turns the failures that a person who shared a link or a file
// can understand into one sentence for them; anything else stays an
// internal error (logged with a reference by the bot).
func userFacing(err error) error {
	if err == nil {
		return nil
	}
	var refused *article.FetchRefused
	switch {
	case errors.As(err, &refused):
		return bot.UserError{Message: "I can't fetch that: " + refused.Reason + "."}
	case errors.Is(err, library.ErrNotURL):
		return bot.UserError{Message: "That is not an http or https link."}
	case errors.Is(err, library.ErrUnknownArticle):
		return bot.UserError{Message: "That article is not in this server's library."}
	case errors.Is(err, article.ErrEmptyArticle):
		return bot.UserError{Message: "I found no article text in that."}
	case errors.Is(err, article.ErrBinaryArticle), errors.Is(err, article.ErrInvalidUTF8):
		return bot.UserError{Message: "That file is not readable text (Markdown, plain text or HTML)."}
	case errors.Is(err, article.ErrArticleTooLarge):
		return bot.UserError{Message: "That article is larger than this bot accepts."}
	case errors.Is(err, article.ErrFrontMatter):
		return bot.UserError{Message: "That file's front matter (the --- header) is malformed."}
	case strings.Contains(err.Error(), "unsupported file type"):
		return bot.UserError{Message: "I can only add Markdown, plain text or HTML files."}
	}
	return fmt.Errorf("change the library: %w", err)
}
