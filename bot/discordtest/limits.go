package discordtest

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
)

// Discord's documented message limits. Lengths are counted in UTF-16 code
// units, as Discord's JavaScript-era limits are.
const (
	maxContent          = 2000
	maxEmbeds           = 10
	maxEmbedTitle       = 256
	maxEmbedDescription = 4096
	maxEmbedFields      = 25
	maxFieldName        = 256
	maxFieldValue       = 1024
	maxFooterText       = 2048
	maxAuthorName       = 256
	maxEmbedTotal       = 6000
	maxActionRows       = 5
	maxRowComponents    = 5
	maxCustomID         = 100
	maxButtonLabel      = 80
	maxChoices          = 25
	maxChoiceName       = 100
	maxChoiceValue      = 100
)

// TextLen is the length Discord measures: UTF-16 code units.
func TextLen(s string) int { return len(utf16.Encode([]rune(s))) }

func str(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}

// checkMessage returns every way body (a message create or edit payload)
// breaks Discord's limits. create also requires some content.
func checkMessage(body map[string]any, create bool) []string {
	var probs []string
	content := str(body, "content")
	if n := TextLen(content); n > maxContent {
		probs = append(probs, fmt.Sprintf("content is %d characters (limit %d)", n, maxContent))
	}
	embeds, _ := body["embeds"].([]any)
	if len(embeds) > maxEmbeds {
		probs = append(probs, fmt.Sprintf("%d embeds (limit %d)", len(embeds), maxEmbeds))
	}
	total := 0
	for i, e := range embeds {
		em, _ := e.(map[string]any)
		check := func(what, s string, limit int) {
			n := TextLen(s)
			total += n
			if n > limit {
				probs = append(probs, fmt.Sprintf("embed %d %s is %d characters (limit %d)", i, what, n, limit))
			}
		}
		check("title", str(em, "title"), maxEmbedTitle)
		check("description", str(em, "description"), maxEmbedDescription)
		if f, ok := em["footer"].(map[string]any); ok {
			check("footer", str(f, "text"), maxFooterText)
		}
		if a, ok := em["author"].(map[string]any); ok {
			check("author", str(a, "name"), maxAuthorName)
		}
		fields, _ := em["fields"].([]any)
		if len(fields) > maxEmbedFields {
			probs = append(probs, fmt.Sprintf("embed %d has %d fields (limit %d)", i, len(fields), maxEmbedFields))
		}
		for j, f := range fields {
			fm, _ := f.(map[string]any)
			if str(fm, "name") == "" || str(fm, "value") == "" {
				probs = append(probs, fmt.Sprintf("embed %d field %d has an empty name or value", i, j))
			}
			check(fmt.Sprintf("field %d name", j), str(fm, "name"), maxFieldName)
			check(fmt.Sprintf("field %d value", j), str(fm, "value"), maxFieldValue)
		}
	}
	if total > maxEmbedTotal {
		probs = append(probs, fmt.Sprintf("embeds total %d characters (limit %d)", total, maxEmbedTotal))
	}
	rows, _ := body["components"].([]any)
	if len(rows) > maxActionRows {
		probs = append(probs, fmt.Sprintf("%d component rows (limit %d)", len(rows), maxActionRows))
	}
	for i, r := range rows {
		rm, _ := r.(map[string]any)
		comps, _ := rm["components"].([]any)
		if len(comps) == 0 || len(comps) > maxRowComponents {
			probs = append(probs, fmt.Sprintf("row %d has %d components (1 to %d)", i, len(comps), maxRowComponents))
		}
		for _, c := range comps {
			cm, _ := c.(map[string]any)
			if n := TextLen(str(cm, "custom_id")); n > maxCustomID {
				probs = append(probs, fmt.Sprintf("custom_id of %d characters (limit %d)", n, maxCustomID))
			}
			if n := TextLen(str(cm, "label")); n > maxButtonLabel {
				probs = append(probs, fmt.Sprintf("button label of %d characters (limit %d)", n, maxButtonLabel))
			}
			if str(cm, "custom_id") == "" && str(cm, "url") == "" {
				probs = append(probs, "button without custom_id or url")
			}
		}
	}
	if create && content == "" && len(embeds) == 0 && len(rows) == 0 {
		probs = append(probs, "cannot send an empty message")
	}
	return probs
}

// checkChoices validates an autocomplete result.
func checkChoices(data map[string]any) []string {
	var probs []string
	choices, _ := data["choices"].([]any)
	if len(choices) > maxChoices {
		probs = append(probs, fmt.Sprintf("%d choices (limit %d)", len(choices), maxChoices))
	}
	for i, c := range choices {
		cm, _ := c.(map[string]any)
		if n := TextLen(str(cm, "name")); n < 1 || n > maxChoiceName {
			probs = append(probs, fmt.Sprintf("choice %d name of %d characters (1 to %d)", i, n, maxChoiceName))
		}
		if v, ok := cm["value"].(string); ok && TextLen(v) > maxChoiceValue {
			probs = append(probs, fmt.Sprintf("choice %d value of %d characters (limit %d)", i, TextLen(v), maxChoiceValue))
		}
	}
	return probs
}

// checkCommands validates a bulk overwrite payload the way Discord does
// for the parts a bot is likely to get wrong.
func checkCommands(cmds []map[string]any) []string {
	var probs []string
	seen := map[string]bool{}
	for _, c := range cmds {
		name := str(c, "name")
		typ := int(num(c["type"]))
		if typ == 0 {
			typ = 1 // chat input
		}
		key := fmt.Sprintf("%d:%s", typ, name)
		if seen[key] {
			probs = append(probs, fmt.Sprintf("duplicate command %q", name))
		}
		seen[key] = true
		switch typ {
		case 1:
			probs = append(probs, checkChatCommand(c)...)
		case 2, 3:
			probs = append(probs, checkContextMenuCommand(c)...)
		default:
			probs = append(probs, fmt.Sprintf("command %q has unknown type %d", name, typ))
		}
		probs = append(probs, checkCommandPermissions(c)...)
	}
	return probs
}

// checkChatCommand checks a slash command: a lowercase name without
// spaces, a description, and its options.
func checkChatCommand(c map[string]any) []string {
	var probs []string
	name := str(c, "name")
	if name == "" || TextLen(name) > 32 || name != strings.ToLower(name) || strings.ContainsAny(name, " \t") {
		probs = append(probs, fmt.Sprintf("command name %q must be 1 to 32 lowercase characters without spaces", name))
	}
	if d := TextLen(str(c, "description")); d < 1 || d > 100 {
		probs = append(probs, fmt.Sprintf("command %q description of %d characters (1 to 100)", name, d))
	}
	opts, _ := c["options"].([]any)
	if len(opts) > 25 {
		probs = append(probs, fmt.Sprintf("command %q has %d options (limit 25)", name, len(opts)))
	}
	optional := false
	for _, o := range opts {
		om, _ := o.(map[string]any)
		req, _ := om["required"].(bool)
		if req && optional {
			probs = append(probs, fmt.Sprintf("command %q: required option %q after an optional one", name, str(om, "name")))
		}
		if !req {
			optional = true
		}
		if d := TextLen(str(om, "description")); d < 1 || d > 100 {
			probs = append(probs, fmt.Sprintf("command %q option %q description of %d characters (1 to 100)", name, str(om, "name"), d))
		}
		auto, _ := om["autocomplete"].(bool)
		choices, _ := om["choices"].([]any)
		if auto && len(choices) > 0 {
			probs = append(probs, fmt.Sprintf("command %q option %q has both autocomplete and choices", name, str(om, "name")))
		}
	}
	return probs
}

// checkContextMenuCommand checks a user or message command: a name of
// 1 to 32 characters (any case, spaces allowed), and no description or
// options, which Discord refuses for them.
func checkContextMenuCommand(c map[string]any) []string {
	var probs []string
	name := str(c, "name")
	if n := TextLen(name); n < 1 || n > 32 {
		probs = append(probs, fmt.Sprintf("context menu command name %q must be 1 to 32 characters", name))
	}
	if str(c, "description") != "" {
		probs = append(probs, fmt.Sprintf("context menu command %q has a description", name))
	}
	if opts, _ := c["options"].([]any); len(opts) > 0 {
		probs = append(probs, fmt.Sprintf("context menu command %q has options", name))
	}
	return probs
}

// checkCommandPermissions checks default_member_permissions (null or a
// permission integer as a decimal string) and dm_permission (a boolean).
func checkCommandPermissions(c map[string]any) []string {
	var probs []string
	name := str(c, "name")
	if v, ok := c["default_member_permissions"]; ok && v != nil {
		s, isString := v.(string)
		if _, err := strconv.ParseUint(s, 10, 64); !isString || err != nil {
			probs = append(probs, fmt.Sprintf("command %q default_member_permissions %v is not a decimal string", name, v))
		}
	}
	if v, ok := c["dm_permission"]; ok && v != nil {
		if _, isBool := v.(bool); !isBool {
			probs = append(probs, fmt.Sprintf("command %q dm_permission %v is not a boolean", name, v))
		}
	}
	return probs
}
