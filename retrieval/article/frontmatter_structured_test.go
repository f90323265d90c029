package article

import (
	"errors"
	"strings"
	"testing"

	"github.com/citebot/citebot/retrieval"
)

func TestParseArticleRealWorldFrontMatter(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want retrieval.Article // Body, ID and Hash are not compared
	}{
		{
			name: "Hugo YAML",
			in: `---
title: "Rust 2024: What's New"
description: >
  A folded description
  over two lines.
authors:
  - Ann Example
  - Bob Example
date: 2024-02-20T10:30:00+01:00
lastmod: 2024-03-01
draft: false
tags:
  - rust
  - release
url: /posts/rust-2024/
canonical_url: https://blog.example.com/posts/rust-2024/
params:
  toc: true
---

Rust 2024 is here.
`,
			want: retrieval.Article{Title: "Rust 2024: What's New", Author: "Ann Example, Bob Example",
				Published: "2024-02-20T10:30:00+01:00", Source: "https://blog.example.com/posts/rust-2024/"},
		},
		{
			name: "Hugo YAML publishDate wins over date",
			in:   "---\ntitle: T\ndate: 2024-01-01\npublishDate: 2024-01-05\nauthors: [\"A\", \"B\"]\n---\nBody.",
			want: retrieval.Article{Title: "T", Published: "2024-01-05", Author: "A, B"},
		},
		{
			name: "Jekyll post",
			in: `---
layout: post
title:  "Welcome to Jekyll!"
date:   2016-03-10 21:01:56 -0500
categories: jekyll update
author:
  name: Jane Doe
  email: jane@example.com
permalink: /blog/welcome/
excerpt_separator: <!--more-->
---
You'll find this post in your ` + "`_posts`" + ` directory.
`,
			want: retrieval.Article{Title: "Welcome to Jekyll!", Author: "Jane Doe", Published: "2016-03-10T21:01:56-05:00"},
		},
		{
			name: "Hugo TOML",
			in: `+++
title = "Spring Release"
date = 2023-04-01T09:00:00Z
publishDate = 2023-04-02
authors = ["Ann", "Bob"]
tags = ["news"]
license = "CC BY 4.0"
[params]
  source = "not read: nested"
+++

# Not the title

Body text.
`,
			want: retrieval.Article{Title: "Spring Release", Published: "2023-04-02", Author: "Ann, Bob", License: "CC BY 4.0"},
		},
		{
			name: "TOML local date time",
			in:   "+++\ntitle = 'T'\ndate = 2023-04-01T09:00:00\nlink = \"https://example.org/x\"\n+++\nBody.",
			want: retrieval.Article{Title: "T", Published: "2023-04-01T09:00:00", Source: "https://example.org/x"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseArticle("x", []byte(tt.in), LoadOptions{})
			if err != nil {
				t.Fatalf("ParseArticle: %v", err)
			}
			want := tt.want
			want.ID, want.Body, want.Hash = "x", got.Body, got.Hash
			if got != want {
				t.Errorf("got  %#v\nwant %#v", got, want)
			}
			if _, ok := got.PublishedTime(); !ok {
				t.Errorf("Published %q is not read by PublishedTime", got.Published)
			}
			if strings.Contains(got.Body, "+++") || strings.Contains(got.Body, "title =") || strings.Contains(got.Body, "title:") {
				t.Errorf("front matter left in the body: %q", got.Body)
			}
			// Written back and read again: the same article.
			again, err := ParseArticle("x", formatArticleFile(got), LoadOptions{})
			if err != nil || again != got {
				t.Errorf("round trip: %v\n got %#v\nwant %#v", err, again, got)
			}
		})
	}
}

func TestParseArticleBadStructuredFrontMatter(t *testing.T) {
	for _, tt := range []struct{ name, in, message string }{
		// YAML names the line where the broken list starts (the "- a"
		// under tags:), not the one after the folded string.
		{"bad YAML after a folded string", "---\ntitle: T\ndescription: >\n  folded\n  text\ntags:\n  - a\n - b\n---\nBody.", "line 7"},
		{"YAML error in a later line", "---\ntitle: T\nsummary: |\n  one\n  two\nb: c\nd\ne: 2\n---\nBody.", "line 7"},
		{"top-level list", "---\n- a\n- b\n---\nBody.", "line 2"},
		{"bad TOML", "+++\ntitle = \"T\"\ndate = \n+++\nBody.", "line 3"},
		{"unclosed TOML", "+++\ntitle = \"T\"\n\nBody.", "never closed"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseArticle("x", []byte(tt.in), LoadOptions{})
			if !errors.Is(err, ErrFrontMatter) || !strings.Contains(err.Error(), tt.message) {
				t.Fatalf("err = %v, want ErrFrontMatter mentioning %q", err, tt.message)
			}
		})
	}
}

func TestNormalizeDate(t *testing.T) {
	for in, want := range map[string]string{
		"2022-05-13":                      "2022-05-13",
		"2022-05-13T10:00:00.5Z":          "2022-05-13T10:00:00.5Z",
		"2016-03-10 21:01:56 -0500":       "2016-03-10T21:01:56-05:00",
		"Mon, 02 Jan 2006 15:04:05 -0700": "2006-01-02T15:04:05-07:00",
		"May 13, 2022":                    "2022-05-13",
		"2022/05/13":                      "2022-05-13",
		"2022-05-13T10:00":                "2022-05-13T10:00:00",
		"Spring 2022":                     "Spring 2022",
	} {
		if got := normalizeDate(in); got != want {
			t.Errorf("normalizeDate(%q) = %q, want %q", in, got, want)
		}
		if got := normalizeDate(want); got != want {
			t.Errorf("normalizeDate(%q) = %q: not idempotent", want, got)
		}
	}
}
