// Package textpos formats problems found at a place in a text file, as
// "file:line:column: message", the one spelling that catalog files, auth files
// and schemas share so that editors and people read them alike.
package textpos

import (
	"fmt"
	"strings"
)

// Problem is one thing wrong at a place in a file. Zero Line means the place
// is the whole file; an empty File means the file has no name.
type Problem struct {
	File    string `json:"file,omitempty"`
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
	Message string `json:"message"`
}

// String formats the problem as file:line:column: message.
func (p Problem) String() string {
	var b strings.Builder
	WritePlace(&b, p.File, p.Line, p.Column)
	b.WriteString(p.Message)
	return b.String()
}

// WritePlace writes "file:line:column: " to b, leaving out an empty file and a
// zero line, and writes nothing when both are unknown.
func WritePlace(b *strings.Builder, file string, line, column int) {
	start := b.Len()
	if file != "" {
		b.WriteString(file)
		b.WriteString(":")
	}
	if line > 0 {
		fmt.Fprintf(b, "%d:%d:", line, column)
	}
	if b.Len() > start {
		b.WriteString(" ")
	}
}

// List formats problems as "<what> has 2 errors: p1; p2", for an error that
// reports every problem of one file or document at once.
func List(what string, problems []Problem) string {
	var b strings.Builder
	if len(problems) == 1 {
		fmt.Fprintf(&b, "%s has 1 error: ", what)
	} else {
		fmt.Fprintf(&b, "%s has %d errors: ", what, len(problems))
	}
	for i, p := range problems {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(p.String())
	}
	return b.String()
}
