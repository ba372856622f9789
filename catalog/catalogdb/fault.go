package catalogdb

import (
	"context"

	"gorm.io/driver/sqlite"
	"gorm.io/gorm"

	"github.com/heraldhq/herald/internal/dbfile"
	"github.com/heraldhq/herald/internal/sqlitefault"
)

// faultDialector is SQLite's gorm dialector whose error translation (gorm runs
// it on every statement and commit error, with TranslateError) marks storage
// faults: a full disk becomes dbfile.ErrDiskFull, a read-only file
// dbfile.ErrReadOnly, so the server answers 507 rather than 500. Other errors
// pass unchanged: this package matches the driver's own errors where it needs to.
type faultDialector struct{ *sqlite.Dialector }

// Translate implements gorm.ErrorTranslator.
func (faultDialector) Translate(err error) error { return sqlitefault.Translate(err) }

var _ gorm.ErrorTranslator = faultDialector{}

// ProbeWrite checks that the database has room for a small write, keeping
// nothing (see sqlitefault.Probe). Readiness uses it to notice that a full disk
// has room again.
func (s *Store) ProbeWrite(ctx context.Context) error {
	db, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlitefault.Probe(ctx, db)
}

// explainOpen replaces a failed Open's driver error by what is really wrong
// with the file or its directory, when dbfile finds it.
func explainOpen(path string, err error) error {
	if d := dbfile.DiagnoseOpen(path); d != nil {
		return d
	}
	return sqlitefault.Translate(err)
}
