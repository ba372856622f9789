package registrydb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/registry"
)

// Rows. They never leave the package: queries convert them to registry types.

type contextRow struct {
	Name  string `gorm:"primaryKey"`
	MaxID int
}

// TableName names the table of contextRow for gorm.
func (contextRow) TableName() string { return "contexts" }

type schemaRow struct {
	Context  string `gorm:"primaryKey"`
	ID       int    `gorm:"primaryKey;autoIncrement:false"`
	GUID     string `gorm:"column:guid"`
	Hash     string
	Type     string
	Text     string
	Metadata string
	RuleSet  string
}

// TableName names the table of schemaRow for gorm.
func (schemaRow) TableName() string { return "schemas" }

type versionRow struct {
	Context   string `gorm:"primaryKey"`
	Subject   string `gorm:"primaryKey"`
	Version   int    `gorm:"primaryKey;autoIncrement:false"`
	SchemaID  int
	Deleted   bool
	CreatedAt int64 `gorm:"autoCreateTime:false"`
	CreatedBy string
}

// TableName names the table of versionRow for gorm.
func (versionRow) TableName() string { return "versions" }

type refRow struct {
	Context       string `gorm:"primaryKey"`
	SchemaID      int    `gorm:"primaryKey;autoIncrement:false"`
	Position      int    `gorm:"primaryKey;autoIncrement:false"`
	Name          string
	Subject       string
	Version       int
	TargetContext string
	TargetSubject string
	TargetVersion int
}

// TableName names the table of refRow for gorm.
func (refRow) TableName() string { return "schema_refs" }

type configRow struct {
	Context            string `gorm:"primaryKey"`
	Subject            string `gorm:"primaryKey"`
	Compatibility      *string
	Normalize          *bool
	Policy             *string
	RuleSet            *string
	Alias              *string
	ValidateFields     *bool
	CompatibilityGroup *string
	DefaultMetadata    *string
	OverrideMetadata   *string
	DefaultRuleSet     *string
	OverrideRuleSet    *string
	AliasForDeks       *string
	ValidateRules      *bool
	ValidateNewSchemas *bool
}

// TableName names the table of configRow for gorm.
func (configRow) TableName() string { return "configs" }

type modeRow struct {
	Context string `gorm:"primaryKey"`
	Subject string `gorm:"primaryKey"`
	Mode    string
}

// TableName names the table of modeRow for gorm.
func (modeRow) TableName() string { return "modes" }

// queries implements registry.Tx on a *gorm.DB that is either the pool (reads
// outside a transaction) or a transaction.
type queries struct {
	db *gorm.DB
}

var _ registry.Tx = queries{}

func (q queries) with(ctx context.Context) *gorm.DB { return q.db.WithContext(ctx) }

// savepoint is the one savepoint name: savepoints are never nested (a
// transaction runs its parts one after the other), so one name serves.
const savepoint = "herald_part"

// Savepoint implements registry.Tx on a transaction.
func (q queries) Savepoint(ctx context.Context, fn func() error) error {
	db := q.with(ctx)
	if err := db.SavePoint(savepoint).Error; err != nil {
		return fmt.Errorf("registrydb: savepoint: %w", err)
	}
	if err := fn(); err != nil {
		if rerr := db.RollbackTo(savepoint).Error; rerr != nil {
			return fmt.Errorf("registrydb: roll back to the savepoint after %v: %w", err, rerr)
		}
		if rerr := db.Exec("RELEASE SAVEPOINT " + savepoint).Error; rerr != nil {
			return fmt.Errorf("registrydb: release the savepoint after %v: %w", err, rerr)
		}
		return err
	}
	if err := db.Exec("RELEASE SAVEPOINT " + savepoint).Error; err != nil {
		return fmt.Errorf("registrydb: release the savepoint: %w", err)
	}
	return nil
}

// translate maps driver errors to registry's: a duplicate key is ErrConflict.
func translate(err error) error {
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return fmt.Errorf("%w: %v", registry.ErrConflict, err)
	}
	return err
}

func toSchemaRecord(r schemaRow, refs []refRow) (registry.SchemaRecord, error) {
	t, err := compat.ParseSchemaType(r.Type)
	if err != nil {
		return registry.SchemaRecord{}, fmt.Errorf("registrydb: schema %d: %w", r.ID, err)
	}
	rec := registry.SchemaRecord{
		Context: r.Context, ID: r.ID, GUID: r.GUID, Hash: r.Hash, Type: t, Text: r.Text,
		Metadata: rawOrNil(r.Metadata), RuleSet: rawOrNil(r.RuleSet),
	}
	for _, x := range refs {
		rec.References = append(rec.References, registry.Reference{Name: x.Name, Subject: x.Subject, Version: x.Version})
		rec.Targets = append(rec.Targets, registry.VersionKey{Context: x.TargetContext, Subject: x.TargetSubject, Version: x.TargetVersion})
	}
	return rec, nil
}

func rawOrNil(s string) json.RawMessage {
	if s == "" {
		return nil
	}
	return json.RawMessage(s)
}

func toVersion(r versionRow) registry.VersionRecord {
	return registry.VersionRecord{
		Context: r.Context, Subject: r.Subject, Version: r.Version, ID: r.SchemaID,
		Deleted: r.Deleted, CreatedAt: time.UnixMilli(r.CreatedAt).UTC(), CreatedBy: r.CreatedBy,
	}
}

func toVersions(rows []versionRow) []registry.VersionRecord {
	out := make([]registry.VersionRecord, len(rows))
	for i, r := range rows {
		out[i] = toVersion(r)
	}
	return out
}

// withRefs loads the references of schema rows.
func (q queries) withRefs(ctx context.Context, rows []schemaRow) ([]registry.SchemaRecord, error) {
	out := make([]registry.SchemaRecord, 0, len(rows))
	for _, r := range rows {
		var refs []refRow
		if err := q.with(ctx).Where("context = ? AND schema_id = ?", r.Context, r.ID).Order("position").Find(&refs).Error; err != nil {
			return nil, err
		}
		rec, err := toSchemaRecord(r, refs)
		if err != nil {
			return nil, err
		}
		out = append(out, rec)
	}
	return out, nil
}

// schemaByHashWhere and versionsByIDWhere are the filters of SchemaByHash and
// VersionsByID; TestQueriesUseIndexes checks their plans.
const (
	schemaByHashWhere = "context = ? AND hash = ?"
	versionsByIDWhere = "context = ? AND schema_id = ?"
)

// firstSchema selects the schema rows matching where, lowest id first, one at most.
func firstSchema(db *gorm.DB, rows *[]schemaRow, where string, args ...any) *gorm.DB {
	return db.Where(where, args...).Order("id").Limit(1).Find(rows)
}

// versionsByID selects the version rows using an id, by subject and version.
func versionsByID(db *gorm.DB, rows *[]versionRow, c string, id int) *gorm.DB {
	return db.Where(versionsByIDWhere, c, id).Order("subject, version").Find(rows)
}

func (q queries) oneSchema(ctx context.Context, where string, args ...any) (registry.SchemaRecord, error) {
	var rows []schemaRow
	if err := firstSchema(q.with(ctx), &rows, where, args...).Error; err != nil {
		return registry.SchemaRecord{}, err
	}
	if len(rows) == 0 {
		return registry.SchemaRecord{}, registry.ErrSchemaNotFound
	}
	recs, err := q.withRefs(ctx, rows)
	if err != nil {
		return registry.SchemaRecord{}, err
	}
	return recs[0], nil
}

// Schema implements registry.Reader.
func (q queries) Schema(ctx context.Context, c string, id int) (registry.SchemaRecord, error) {
	return q.oneSchema(ctx, "context = ? AND id = ?", c, id)
}

// SchemaByHash implements registry.Reader.
func (q queries) SchemaByHash(ctx context.Context, c, hash string) (registry.SchemaRecord, error) {
	return q.oneSchema(ctx, schemaByHashWhere, c, hash)
}

// SchemasByGUID implements registry.Reader.
func (q queries) SchemasByGUID(ctx context.Context, guid string) ([]registry.SchemaRecord, error) {
	var rows []schemaRow
	if err := q.with(ctx).Where("guid = ?", guid).Order("context, id").Find(&rows).Error; err != nil {
		return nil, err
	}
	return q.withRefs(ctx, rows)
}

// SubjectVersions implements registry.Reader.
func (q queries) SubjectVersions(ctx context.Context, c, subject string) ([]registry.VersionRecord, error) {
	var rows []versionRow
	err := q.with(ctx).Where("context = ? AND subject = ?", c, subject).Order("version").Find(&rows).Error
	return toVersions(rows), err
}

// VersionsByID implements registry.Reader.
func (q queries) VersionsByID(ctx context.Context, c string, id int) ([]registry.VersionRecord, error) {
	var rows []versionRow
	err := versionsByID(q.with(ctx), &rows, c, id).Error
	return toVersions(rows), err
}

// ListVersions implements registry.Reader.
func (q queries) ListVersions(ctx context.Context, c, subjectPrefix string) ([]registry.VersionRecord, error) {
	db := q.with(ctx).Model(&versionRow{})
	if c != "" {
		db = db.Where("context = ?", c)
	}
	if subjectPrefix != "" {
		// substr counts characters, as utf8.RuneCountInString does; LIKE would
		// need escaping and is case-insensitive for ASCII in SQLite.
		db = db.Where("substr(subject, 1, ?) = ?", utf8.RuneCountInString(subjectPrefix), subjectPrefix)
	}
	var rows []versionRow
	err := db.Order("context, subject, version").Find(&rows).Error
	return toVersions(rows), err
}

// Referrers implements registry.Reader.
func (q queries) Referrers(ctx context.Context, t registry.VersionKey) ([]registry.VersionRecord, error) {
	var rows []versionRow
	err := q.with(ctx).Raw(`SELECT DISTINCT v.* FROM versions v
		JOIN schema_refs r ON r.context = v.context AND r.schema_id = v.schema_id
		WHERE r.target_context = ? AND r.target_subject = ? AND r.target_version = ?
		ORDER BY v.context, v.subject, v.version`, t.Context, t.Subject, t.Version).Scan(&rows).Error
	return toVersions(rows), err
}

// Config implements registry.Reader.
func (q queries) Config(ctx context.Context, sc registry.Scope) (registry.Config, error) {
	var rows []configRow
	if err := q.with(ctx).Where("context = ? AND subject = ?", sc.Context, sc.Subject).Limit(1).Find(&rows).Error; err != nil {
		return registry.Config{}, err
	}
	if len(rows) == 0 {
		return registry.Config{}, registry.ErrSubjectConfigNotFound
	}
	return fromConfigRow(rows[0])
}

// Mode implements registry.Reader.
func (q queries) Mode(ctx context.Context, sc registry.Scope) (registry.Mode, error) {
	var rows []modeRow
	if err := q.with(ctx).Where("context = ? AND subject = ?", sc.Context, sc.Subject).Limit(1).Find(&rows).Error; err != nil {
		return 0, err
	}
	if len(rows) == 0 {
		return 0, registry.ErrSubjectModeNotFound
	}
	m, err := registry.ParseMode(rows[0].Mode)
	if err != nil {
		return 0, fmt.Errorf("registrydb: stored mode %q: %w", rows[0].Mode, err)
	}
	return m, nil
}

// Contexts implements registry.Reader.
func (q queries) Contexts(ctx context.Context) ([]string, error) {
	var names []string
	err := q.with(ctx).Model(&contextRow{}).Order("name").Pluck("name", &names).Error
	return names, err
}

// MaxID implements registry.Reader.
func (q queries) MaxID(ctx context.Context, c string) (int, error) {
	var ids []int
	if err := q.with(ctx).Model(&contextRow{}).Where("name = ?", c).Pluck("max_id", &ids).Error; err != nil {
		return 0, err
	}
	if len(ids) == 0 {
		return 0, nil
	}
	return ids[0], nil
}

func (q queries) ensureContext(ctx context.Context, c string) error {
	return q.with(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&contextRow{Name: c}).Error
}

// errIDsExhausted backs up the registry's own check: SQLite would turn
// max_id + 1 past 2^63-1 into a float, and past registry.MaxID the id no
// longer fits the wire format.
var errIDsExhausted = errors.New("registrydb: no schema id left in the context")

// NextID implements registry.Tx. It never goes past registry.MaxID.
func (q queries) NextID(ctx context.Context, c string) (int, error) {
	if err := q.ensureContext(ctx, c); err != nil {
		return 0, err
	}
	res := q.with(ctx).Model(&contextRow{}).Where("name = ? AND max_id < ?", c, registry.MaxID).Update("max_id", gorm.Expr("max_id + 1"))
	if res.Error != nil {
		return 0, res.Error
	}
	if res.RowsAffected == 0 {
		return 0, fmt.Errorf("%w: context %q", errIDsExhausted, c)
	}
	var id int
	err := q.with(ctx).Model(&contextRow{}).Where("name = ?", c).Select("max_id").Scan(&id).Error
	return id, err
}

// ReserveID implements registry.Tx.
func (q queries) ReserveID(ctx context.Context, c string, id int) error {
	if err := q.ensureContext(ctx, c); err != nil {
		return err
	}
	return q.with(ctx).Model(&contextRow{}).Where("name = ? AND max_id < ?", c, id).Update("max_id", id).Error
}

// InsertSchema implements registry.Tx.
func (q queries) InsertSchema(ctx context.Context, rec registry.SchemaRecord) error {
	if err := q.ensureContext(ctx, rec.Context); err != nil {
		return err
	}
	row := schemaRow{
		Context: rec.Context, ID: rec.ID, GUID: rec.GUID, Hash: rec.Hash, Type: rec.Type.String(),
		Text: rec.Text, Metadata: string(rec.Metadata), RuleSet: string(rec.RuleSet),
	}
	if err := q.with(ctx).Create(&row).Error; err != nil {
		return translate(err)
	}
	if len(rec.References) == 0 {
		return nil
	}
	if len(rec.Targets) != len(rec.References) {
		return errors.New("registrydb: references and targets differ in length")
	}
	refs := make([]refRow, len(rec.References))
	for i, r := range rec.References {
		t := rec.Targets[i]
		refs[i] = refRow{
			Context: rec.Context, SchemaID: rec.ID, Position: i, Name: r.Name, Subject: r.Subject, Version: r.Version,
			TargetContext: t.Context, TargetSubject: t.Subject, TargetVersion: t.Version,
		}
	}
	return translate(q.with(ctx).Create(&refs).Error)
}

// DeleteSchema implements registry.Tx.
func (q queries) DeleteSchema(ctx context.Context, c string, id int) error {
	if err := q.with(ctx).Where("context = ? AND schema_id = ?", c, id).Delete(&refRow{}).Error; err != nil {
		return err
	}
	return q.with(ctx).Where("context = ? AND id = ?", c, id).Delete(&schemaRow{}).Error
}

// InsertVersion implements registry.Tx.
func (q queries) InsertVersion(ctx context.Context, v registry.VersionRecord) error {
	row := versionRow{Context: v.Context, Subject: v.Subject, Version: v.Version, SchemaID: v.ID, Deleted: v.Deleted, CreatedAt: v.CreatedAt.UnixMilli(), CreatedBy: v.CreatedBy}
	return translate(q.with(ctx).Create(&row).Error)
}

func keyWhere(db *gorm.DB, k registry.VersionKey) *gorm.DB {
	return db.Where("context = ? AND subject = ? AND version = ?", k.Context, k.Subject, k.Version)
}

// SetDeleted implements registry.Tx.
func (q queries) SetDeleted(ctx context.Context, k registry.VersionKey, deleted bool) error {
	res := keyWhere(q.with(ctx).Model(&versionRow{}), k).Update("deleted", deleted)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return registry.ErrVersionNotFound
	}
	return nil
}

// DeleteVersion implements registry.Tx.
func (q queries) DeleteVersion(ctx context.Context, k registry.VersionKey) error {
	res := keyWhere(q.with(ctx), k).Delete(&versionRow{})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return registry.ErrVersionNotFound
	}
	return nil
}

// PutConfig implements registry.Tx.
func (q queries) PutConfig(ctx context.Context, sc registry.Scope, cfg registry.Config) error {
	row := toConfigRow(sc, cfg)
	return q.with(ctx).Clauses(clause.OnConflict{UpdateAll: true}).Create(&row).Error
}

// DeleteConfig implements registry.Tx.
func (q queries) DeleteConfig(ctx context.Context, sc registry.Scope) error {
	return q.with(ctx).Where("context = ? AND subject = ?", sc.Context, sc.Subject).Delete(&configRow{}).Error
}

// PutMode implements registry.Tx.
func (q queries) PutMode(ctx context.Context, sc registry.Scope, m registry.Mode) error {
	row := modeRow{Context: sc.Context, Subject: sc.Subject, Mode: m.String()}
	return q.with(ctx).Clauses(clause.OnConflict{UpdateAll: true}).Create(&row).Error
}

// DeleteMode implements registry.Tx.
func (q queries) DeleteMode(ctx context.Context, sc registry.Scope) error {
	return q.with(ctx).Where("context = ? AND subject = ?", sc.Context, sc.Subject).Delete(&modeRow{}).Error
}

// DeleteContext implements registry.Tx.
func (q queries) DeleteContext(ctx context.Context, name string) error {
	if err := q.with(ctx).Where("context = ?", name).Delete(&configRow{}).Error; err != nil {
		return err
	}
	if err := q.with(ctx).Where("context = ?", name).Delete(&modeRow{}).Error; err != nil {
		return err
	}
	return q.with(ctx).Where("name = ?", name).Delete(&contextRow{}).Error
}

func strPtr(s string) *string { return &s }

func rawPtr(b json.RawMessage) *string {
	if b == nil {
		return nil
	}
	return strPtr(string(b))
}

func rawFrom(p *string) json.RawMessage {
	if p == nil {
		return nil
	}
	return json.RawMessage(*p)
}

func toConfigRow(sc registry.Scope, c registry.Config) configRow {
	r := configRow{
		Context: sc.Context, Subject: sc.Subject,
		Normalize: c.Normalize, RuleSet: c.RuleSet, Alias: c.Alias, ValidateFields: c.ValidateFields,
		CompatibilityGroup: c.CompatibilityGroup,
		DefaultMetadata:    rawPtr(c.DefaultMetadata), OverrideMetadata: rawPtr(c.OverrideMetadata),
		DefaultRuleSet: rawPtr(c.DefaultRuleSet), OverrideRuleSet: rawPtr(c.OverrideRuleSet),
		AliasForDeks: c.AliasForDeks, ValidateRules: c.ValidateRules, ValidateNewSchemas: c.ValidateNewSchemas,
	}
	if c.Compatibility != nil {
		r.Compatibility = strPtr(c.Compatibility.String())
	}
	if c.Policy != nil {
		r.Policy = strPtr(c.Policy.String())
	}
	return r
}

func fromConfigRow(r configRow) (registry.Config, error) {
	c := registry.Config{
		Normalize: r.Normalize, RuleSet: r.RuleSet, Alias: r.Alias, ValidateFields: r.ValidateFields,
		CompatibilityGroup: r.CompatibilityGroup,
		DefaultMetadata:    rawFrom(r.DefaultMetadata), OverrideMetadata: rawFrom(r.OverrideMetadata),
		DefaultRuleSet: rawFrom(r.DefaultRuleSet), OverrideRuleSet: rawFrom(r.OverrideRuleSet),
		AliasForDeks: r.AliasForDeks, ValidateRules: r.ValidateRules, ValidateNewSchemas: r.ValidateNewSchemas,
	}
	if r.Compatibility != nil {
		l, err := compat.ParseLevel(*r.Compatibility)
		if err != nil {
			return c, fmt.Errorf("registrydb: stored config: %w", err)
		}
		c.Compatibility = &l
	}
	if r.Policy != nil {
		p, err := compat.ParsePolicy(*r.Policy)
		if err != nil {
			return c, fmt.Errorf("registrydb: stored config: %w", err)
		}
		c.Policy = &p
	}
	return c, nil
}
