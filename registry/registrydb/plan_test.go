package registrydb

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"gorm.io/gorm"
)

// TestQueriesUseIndexes checks the plans of the lookups every registration (or
// hard delete) makes: each must search an index on its filter and order, not
// walk the primary key over a whole context, which made a registration cost
// O(schemas) before migration 2.
func TestQueriesUseIndexes(t *testing.T) {
	t.Parallel()
	st, err := Open(context.Background(), filepath.Join(t.TempDir(), "plan.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Error(err)
		}
	})
	for name, tc := range map[string]struct {
		query func(tx *gorm.DB) *gorm.DB
		index string
	}{
		"SchemaByHash": {func(tx *gorm.DB) *gorm.DB {
			var rows []schemaRow
			return firstSchema(tx, &rows, schemaByHashWhere, ".", "h")
		}, "schemas_by_hash_id (context=? AND hash=?)"},
		"VersionsByID": {func(tx *gorm.DB) *gorm.DB {
			var rows []versionRow
			return versionsByID(tx, &rows, ".", 1)
		}, "versions_by_schema_subject (context=? AND schema_id=?)"},
	} {
		t.Run(name, func(t *testing.T) {
			sql := st.db.ToSQL(tc.query)
			var plan []struct {
				Detail string
			}
			if err := st.db.Raw("EXPLAIN QUERY PLAN " + sql).Scan(&plan).Error; err != nil {
				t.Fatal(err)
			}
			var details []string
			for _, p := range plan {
				details = append(details, p.Detail)
			}
			got := strings.Join(details, "; ")
			if got != "SEARCH "+tableOf(sql)+" USING INDEX "+tc.index {
				t.Errorf("plan of %s:\n%s\nwant a search of index %s and no sort", sql, got, tc.index)
			}
		})
	}
}

// tableOf returns the table a "SELECT * FROM `t` ..." statement reads.
func tableOf(sql string) string {
	_, rest, _ := strings.Cut(sql, "FROM ")
	name, _, _ := strings.Cut(rest, " ")
	return strings.Trim(name, "`\"")
}
