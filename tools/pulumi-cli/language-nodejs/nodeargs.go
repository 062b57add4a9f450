package main

import (
	"errors"
	"fmt"
	"strings"
)

var errUnterminated = errors.New("unterminated")

// splitNodeArgs splits the `nodeargs` runtime option into node's arguments the way a POSIX shell splits a
// command line (XCU 2.2 "Quoting", 2.3 "Token Recognition"), without any expansion: Pulumi's own host runs the
// option through a shell-style lexer too (google/shlex in sdk/nodejs/cmd/pulumi-language-nodejs/main.go), so
// `--require "a b.js"` is two arguments there and must be here.
//
//   - blanks (space, tab, newline) separate words; quotes and backslashes may join parts into one word;
//   - '…' keeps everything literally, backslashes included;
//   - "…" keeps everything literally except a backslash before $ ` " \ or a newline, which it escapes
//     (a backslash-newline pair disappears); any other backslash stays;
//   - outside quotes a backslash keeps the next character literally, and backslash-newline disappears;
//   - quotes with nothing between them (double or single) make an empty word;
//   - a # that starts a word starts a comment up to the end of the line.
//
// An unterminated quote, or a backslash that ends the input, is an error.
func splitNodeArgs(input string) ([]string, error) {
	var words []string
	var word strings.Builder
	inWord := false // a word has started (it may still be empty: "")
	runes := []rune(input)
	for i := 0; i < len(runes); i++ {
		r := runes[i]
		switch {
		case r == ' ' || r == '\t' || r == '\n':
			if inWord {
				words = append(words, word.String())
				word.Reset()
				inWord = false
			}
		case r == '#' && !inWord:
			for i < len(runes) && runes[i] != '\n' {
				i++
			}
		case r == '\\':
			if i+1 >= len(runes) {
				return nil, fmt.Errorf("%q ends with a backslash that escapes nothing; "+
					"write \\\\ for a literal backslash", input)
			}
			i++
			if runes[i] == '\n' {
				continue // line continuation: neither character is kept, and no word starts
			}
			word.WriteRune(runes[i])
			inWord = true
		case r == '\'':
			end := indexRune(runes, i+1, '\'')
			if end < 0 {
				return nil, unterminatedQuote(input, "single", i)
			}
			word.WriteString(string(runes[i+1 : end]))
			inWord = true
			i = end
		case r == '"':
			end, err := readDoubleQuoted(runes, i+1, &word)
			if err != nil {
				return nil, unterminatedQuote(input, "double", i)
			}
			inWord = true
			i = end
		default:
			word.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		words = append(words, word.String())
	}
	return words, nil
}

// readDoubleQuoted appends the contents of a "…" string that starts at runes[start] to word and returns the
// index of the closing quote.
func readDoubleQuoted(runes []rune, start int, word *strings.Builder) (int, error) {
	for i := start; i < len(runes); i++ {
		switch r := runes[i]; {
		case r == '"':
			return i, nil
		case r == '\\' && i+1 < len(runes) && strings.ContainsRune("$`\"\\\n", runes[i+1]):
			i++
			if runes[i] != '\n' {
				word.WriteRune(runes[i])
			}
		default:
			word.WriteRune(r)
		}
	}
	return 0, errUnterminated
}

func indexRune(runes []rune, from int, target rune) int {
	for i := from; i < len(runes); i++ {
		if runes[i] == target {
			return i
		}
	}
	return -1
}

func unterminatedQuote(input, kind string, at int) error {
	return fmt.Errorf("%q has an unterminated %s quote (opened at character %d); close it, "+
		"or escape it with a backslash if it is meant literally", input, kind, at+1)
}
