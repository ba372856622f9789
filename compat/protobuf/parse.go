package protobuf

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/bufbuild/protocompile"
	"github.com/bufbuild/protocompile/linker"
	"github.com/bufbuild/protocompile/reporter"

	"github.com/heraldhq/herald/compat"
)

// maxReportedErrors bounds how many compile errors are collected; only the first is
// located in the returned SchemaError, the rest are counted.
const maxReportedErrors = 50

// compile compiles text (and the references it imports) and returns the schema's
// file first, followed by every file it depends on.
func compile(text string, refs []compat.Reference) (linker.Files, error) {
	srcs := make(map[string]string, len(refs)+1)
	for _, r := range refs {
		srcs[r.Name] = r.Text
	}
	root := SchemaFile
	for i := 1; ; i++ {
		if _, taken := srcs[root]; !taken {
			break
		}
		root = fmt.Sprintf("schema~%d.proto", i)
	}
	srcs[root] = text

	var errs []reporter.ErrorWithPos
	rep := reporter.NewReporter(func(err reporter.ErrorWithPos) error {
		errs = append(errs, err)
		if len(errs) >= maxReportedErrors {
			return err // stop: enough to report
		}
		return nil // keep going to count the others
	}, nil)

	c := protocompile.Compiler{
		// The accessor is what keeps the compiler off the file system: a nil
		// Accessor makes SourceResolver open files from disk.
		Resolver: protocompile.WithStandardImports(&protocompile.SourceResolver{
			Accessor: func(path string) (io.ReadCloser, error) {
				src, ok := srcs[path]
				if !ok {
					src, ok = builtinSources[path]
				}
				if !ok {
					return nil, fs.ErrNotExist
				}
				return io.NopCloser(strings.NewReader(src)), nil
			},
		}),
		Reporter:       rep,
		MaxParallelism: 1,
		SourceInfoMode: protocompile.SourceInfoNone,
	}
	files, err := c.Compile(context.Background(), root)
	if err != nil || len(files) == 0 {
		return nil, toSchemaError(root, errs, err)
	}
	return withDeps(files[0]), nil
}

// withDeps lists f and its transitive imports, each once, f first.
func withDeps(f linker.File) linker.Files {
	out := linker.Files{f}
	seen := map[string]bool{f.Path(): true}
	for i := 0; i < len(out); i++ {
		imps := out[i].Imports()
		for j := 0; j < imps.Len(); j++ {
			p := imps.Get(j).Path()
			if seen[p] {
				continue
			}
			seen[p] = true
			if d := out[i].FindImportByPath(p); d != nil {
				out = append(out, d)
			}
		}
	}
	return out
}

// toSchemaError turns the compiler's outcome into a *compat.SchemaError.
func toSchemaError(root string, errs []reporter.ErrorWithPos, err error) *compat.SchemaError {
	if len(errs) == 0 {
		var ewp reporter.ErrorWithPos
		if errors.As(err, &ewp) {
			errs = append(errs, ewp)
		}
	}
	if len(errs) == 0 {
		msg := "invalid schema"
		if err != nil {
			msg = err.Error()
		}
		var pe protocompile.PanicError
		if errors.As(err, &pe) {
			msg = "internal compiler error: " + pe.Error()
		}
		return &compat.SchemaError{Message: msg}
	}
	first := errs[0]
	pos := first.GetPosition()
	se := &compat.SchemaError{Line: pos.Line, Column: pos.Col}
	if pos.Filename != root {
		se.File = pos.Filename
	}
	msg := first.Error()
	if u := first.Unwrap(); u != nil {
		msg = u.Error()
	}
	if strings.HasSuffix(msg, "file does not exist") || errors.Is(first, fs.ErrNotExist) {
		msg = strings.Replace(msg, "file does not exist", "not found: pass it as a reference named by its import path", 1)
	}
	if n := len(errs) - 1; n > 0 {
		more := fmt.Sprintf("%d more error", n)
		if n > 1 {
			more += "s"
		}
		if len(errs) >= maxReportedErrors {
			more = "more errors"
		}
		msg += " (and " + more + ")"
	}
	se.Message = msg
	return se
}
