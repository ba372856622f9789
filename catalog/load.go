package catalog

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/heraldhq/herald/compat"
)

// FilesFromFS reads every .yaml, .yml and .json file under dir in fsys, in path
// order, as catalog files named by their path relative to dir.
func FilesFromFS(fsys fs.FS, dir string) ([]File, error) {
	var files []File
	err := fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		switch path.Ext(p) {
		case ".yaml", ".yml", ".json":
		default:
			return nil
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		rel := strings.TrimPrefix(strings.TrimPrefix(p, dir), "/")
		files = append(files, File{Name: rel, Data: string(b)})
		return nil
	})
	sort.Slice(files, func(i, j int) bool { return files[i].Name < files[j].Name })
	return files, err
}

// schemaTypeOfExt maps a schema file extension to its format.
func schemaTypeOfExt(ext string) (compat.SchemaType, bool) {
	switch ext {
	case ".json":
		return compat.JSON, true
	case ".avsc":
		return compat.Avro, true
	case ".proto":
		return compat.Protobuf, true
	}
	return 0, false
}

// RegisterSchemasFS registers schema files laid out as <dir>/<subject>/v<N>.<ext>
// (.json, .avsc, .proto), each subject's versions in order. Registering is
// idempotent. It returns how many versions it registered (or found already there).
func (s *Service) RegisterSchemasFS(ctx context.Context, fsys fs.FS, dir string) (int, error) {
	subjects, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return 0, err
	}
	n := 0
	var errs []error
	for _, sd := range subjects {
		if !sd.IsDir() {
			continue
		}
		subject := sd.Name()
		entries, err := fs.ReadDir(fsys, path.Join(dir, subject))
		if err != nil {
			return n, err
		}
		type vf struct {
			v    int
			name string
			t    compat.SchemaType
		}
		var vs []vf
		for _, e := range entries {
			ext := path.Ext(e.Name())
			t, ok := schemaTypeOfExt(ext)
			num, err := strconv.Atoi(strings.TrimPrefix(strings.TrimSuffix(e.Name(), ext), "v"))
			if !ok || err != nil {
				continue
			}
			vs = append(vs, vf{num, e.Name(), t})
		}
		sort.Slice(vs, func(i, j int) bool { return vs[i].v < vs[j].v })
		for _, v := range vs {
			b, err := fs.ReadFile(fsys, path.Join(dir, subject, v.name))
			if err != nil {
				return n, err
			}
			if _, err := s.cfg.Registry.Register(ctx, subject, v.t, string(b)); err != nil {
				errs = append(errs, fmt.Errorf("%s/%s: %w", subject, v.name, err))
				break
			}
			n++
		}
	}
	return n, errors.Join(errs...)
}

// LoadDemo loads a demo folder (schemas/ and catalog/, as in catalog/demo) into
// an empty catalog: it registers the schemas, then applies the catalog files. A
// catalog that already has entities is left alone (loaded reports false).
func (s *Service) LoadDemo(ctx context.Context, fsys fs.FS) (loaded bool, err error) {
	if c := s.Counts(); c != (Counts{}) {
		return false, nil
	}
	if _, err := s.RegisterSchemasFS(ctx, fsys, "schemas"); err != nil {
		// A version the registry refuses (for instance under a stricter
		// compatibility level) does not stop the demo: earlier versions are in.
		s.log.WarnContext(ctx, "catalog: demo schemas not all registered", "err", err)
	}
	files, err := FilesFromFS(fsys, "catalog")
	if err != nil {
		return false, err
	}
	if _, err := s.Apply(ctx, files); err != nil {
		return false, fmt.Errorf("catalog: demo: %w", err)
	}
	return true, nil
}
