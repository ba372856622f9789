package catalog

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite testdata/decode/*/want.golden from the current decoder")

// TestParseFilesGolden pins what ParseFiles makes of every shape and every
// mistake in testdata/decode: each case folder holds catalog files and
// want.golden, which lists the problems (exact text, in order) or the decoded
// document and the source positions that validation errors point at. A case may
// record more positions than the golden lists, never different ones.
func TestParseFilesGolden(t *testing.T) {
	t.Parallel()
	dirs, err := filepath.Glob("testdata/decode/*")
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) == 0 {
		t.Fatal("no cases under testdata/decode")
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Parallel()
			files := readCase(t, dir)
			got, gotPos := renderParse(files)
			golden := filepath.Join(dir, "want.golden")
			if *update {
				out := got + "source:\n" + strings.Join(gotPos, "\n") + "\n"
				if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			b, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			want, wantPos, _ := strings.Cut(string(b), "source:\n")
			if got != want {
				t.Errorf("ParseFiles(%s) =\n%s\nwant\n%s", dir, got, want)
			}
			for _, line := range strings.Split(strings.TrimSpace(wantPos), "\n") {
				if line != "" && !slices.Contains(gotPos, line) {
					t.Errorf("source position %q is no longer recorded", line)
				}
			}
		})
	}
}

func readCase(t *testing.T, dir string) []File {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var files []File
	for _, e := range entries {
		if e.Name() == "want.golden" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, File{Name: e.Name(), Data: string(b)})
	}
	return files
}

// renderParse returns the problems or the document as text, and the recorded
// source positions as sorted "key file:line:col" lines.
func renderParse(files []File) (string, []string) {
	doc, src, err := ParseFiles(files)
	if err != nil {
		var ae *ApplyError
		if !errors.As(err, &ae) {
			return "error: " + err.Error() + "\n", nil
		}
		var b strings.Builder
		b.WriteString("problems:\n")
		for _, p := range ae.Problems {
			b.WriteString(p.String())
			b.WriteByte('\n')
		}
		return b.String(), nil
	}
	j, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return "marshal: " + err.Error() + "\n", nil
	}
	var pos []string
	for k, p := range src.pos {
		pos = append(pos, fmt.Sprintf("%s %s:%d:%d", k, p.File, p.Line, p.Column))
	}
	slices.Sort(pos)
	return "document:\n" + string(j) + "\n", pos
}

// FuzzParseFiles feeds ParseFiles one file of any text. It must not panic; a
// refusal must list at least one problem, each naming the file; and what it
// accepts must survive ExportYAML: parsing the export gives the same document,
// as "herald catalog export" promises to the apply that reads it back.
func FuzzParseFiles(f *testing.F) {
	dirs, err := filepath.Glob("testdata/decode/*/*")
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range dirs {
		if filepath.Base(p) == "want.golden" {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(filepath.Ext(p), string(b))
	}
	f.Fuzz(func(t *testing.T, ext, data string) {
		if ext != ".json" {
			ext = ".yaml"
		}
		name := "catalog" + ext
		doc, src, err := ParseFiles([]File{{Name: name, Data: data}})
		if err != nil {
			var ae *ApplyError
			if !errors.As(err, &ae) {
				t.Fatalf("ParseFiles error %T is not an *ApplyError: %v", err, err)
			}
			if len(ae.Problems) == 0 {
				t.Fatal("ApplyError with no problems")
			}
			for _, p := range ae.Problems {
				if p.File != name {
					t.Fatalf("problem %q does not name %s", p, name)
				}
			}
			return
		}
		_ = Validate(doc, src, nil)
		out, err := ExportYAML(doc)
		if err != nil {
			t.Fatalf("ExportYAML of an accepted document: %v", err)
		}
		again, _, err := ParseFiles([]File{{Name: "export.yaml", Data: string(out)}})
		if err != nil {
			t.Fatalf("the export of an accepted document is refused: %v\n%s", err, out)
		}
		if diff := cmp.Diff(doc, again); diff != "" {
			t.Fatalf("export and parse changed the document (-parsed +re-parsed):\n%s\nexport:\n%s", diff, out)
		}
	})
}
